#!/usr/bin/env node
// spv: the command-line entry point. Commands are listed in commands/index.ts; each loads its
// heavy modules (sockets, winston, chain) only when it runs, so `spv --help` starts fast.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index.js';
import { reportFatal } from './exit.js';

const cli = yargs(hideBin(process.argv))
  .scriptName('spv')
  .usage('$0 <command> [options]\n\nA Bitcoin SPV light client for the test networks, plus a toy gossip blockchain.')
  .strict()
  .demandCommand(1, 'Name a command (see the list above), e.g. `spv demo`.')
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`spv: ${msg}\nRun \`spv --help\` for usage.\n`);
    process.exit(2);
  });

for (const c of COMMANDS) cli.command(c);

try {
  await cli.parseAsync();
} catch (err) {
  reportFatal(err);
}
