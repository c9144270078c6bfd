// `spv decode <hex | @file | ->`: one or more v1 frames (or a bare payload with --command) as
// the annotated view: every field named, every error pointing at its byte.
// `spv decode --capture DIR` is `spv capture show DIR`.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';

export interface DecodeArgs extends NetworkArgs, CommonArgs {
  input?: string;
  command?: string;
  capture?: string;
  full?: boolean;
}

export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode [input]',
  describe: 'Decode Bitcoin messages (hex, @file or - for stdin): every field, annotated bytes, errors at their offset',
  builder: (y) =>
    withCommonOptions(withNetworkOptions(y))
      .positional('input', { type: 'string', describe: 'hex of one or more frames, @FILE (hex text or raw bytes), or - for stdin' })
      .option('command', { type: 'string', describe: 'the input is a bare payload of this command (no 24-byte header)' })
      .option('capture', { type: 'string', describe: 'show a capture directory instead (same as `spv capture show DIR`)' })
      .option('full', { type: 'boolean', describe: 'show every field of long messages (no elision)' })
      .example('$0 decode f9beb4d976657261636b000000000000000000005df6e0e2', 'a mainnet verack')
      .example('$0 decode --command ping 0123456789abcdef', 'a bare ping payload') as never,
  handler: async (args) => {
    const { runDecode } = await import('../run/decode.js');
    process.exitCode = await runDecode(args);
  },
};
