// `spv capture show DIR`: a capture (ours, from --capture, or Bitcoin Core's -capturemessages
// files) printed as a trace, in time order across peers; --json as Core's parser's array.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';

export interface CaptureShowArgs extends CommonArgs {
  path: string;
  view: string;
  full?: boolean;
}

export const captureCommand: CommandModule<object, CaptureShowArgs> = {
  command: 'capture show <path>',
  describe: "Show message capture files (ours or Bitcoin Core's -capturemessages) as a trace in time order",
  builder: (y) =>
    withCommonOptions(y)
      .positional('path', { type: 'string', demandOption: true, describe: 'a capture directory (per-peer folders), one peer folder, or one msgs_*.dat file' })
      .option('view', { type: 'string', choices: ['summary', 'fields', 'hex'], default: 'summary', describe: 'one line per message, every field, or annotated bytes' })
      .option('full', { type: 'boolean', describe: 'show every field of long messages (no elision)' }) as never,
  handler: async (args) => {
    const { runCaptureShow } = await import('../run/capture-show.js');
    process.exitCode = await runCaptureShow(args);
  },
};
