#!/usr/bin/env node
// spv: the command-line entry point. Commands are listed in commands/index.ts; each loads its
// heavy modules (sockets, winston, chain) only when it runs, so `spv --help` starts fast.
// `spv` runs this file bundled with yargs as dist/spv.js (scripts/bundle.js).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index.js';
import { reportFatal } from './exit.js';
import { BARE_TRACE_FLAG } from './common-options.js';
import { capYoungGeneration } from '../util/young-generation.js';

/** package.json's version, set by scripts/bundle.js; yargs finds it itself when unbundled. */
declare const __SPV_VERSION__: string | undefined;

// Memory that does not grow with the chain (issue #10): see util/young-generation.ts.
capYoungGeneration();

// `spv decode … | head`: a closed stdout ends the program quietly, as other Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = hideBin(process.argv).map((a) => (a === BARE_TRACE_FLAG ? `${BARE_TRACE_FLAG}=summary` : a));
const cli = yargs(argv)
  .scriptName('spv')
  .usage('$0 <command> [options]\n\nA Bitcoin SPV light client for the test networks, plus a toy gossip blockchain.')
  .strict()
  .demandCommand(1, 'Name a command (see the list above), e.g. `spv demo`.')
  .recommendCommands()
  .help()
  .alias('h', 'help')
  // English like the rest of our text (yargs' translations are not in the bundle).
  .locale('en')
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`spv: ${msg}\nRun \`spv --help\` for usage.\n`);
    process.exit(2);
  });

if (typeof __SPV_VERSION__ === 'string') cli.version(__SPV_VERSION__);
else cli.version();
for (const c of COMMANDS) cli.command(c);

try {
  await cli.parseAsync();
} catch (err) {
  reportFatal(err);
}
