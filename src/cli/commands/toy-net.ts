// `spv toy-net --nodes N`: the local toy-network mode. Starts N toy nodes on loopback in a
// topology, mines K blocks at random nodes, and prints how each block spread and every node's
// converged tip (or the whole report as JSON with --json). Exit 1 if the nodes did not converge.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';

export interface ToyNetArgs extends CommonArgs {
  nodes: number;
  topology: string;
  blocks: number;
  difficulty: number;
  degree: number;
  seed?: number;
}

/** Loopback sockets are cheap, but one process mines and validates for all nodes. */
const MAX_TOY_NODES = 200;

export const toyNetCommand: CommandModule<object, ToyNetArgs> = {
  command: 'toy-net',
  describe: 'Run a local toy network on loopback and show how blocks spread',
  builder: (y) =>
    withCommonOptions(y)
      .option('nodes', { type: 'number', demandOption: true, describe: `number of nodes (1-${MAX_TOY_NODES})` })
      .option('topology', { type: 'string', choices: ['line', 'ring', 'star', 'random'], default: 'ring', describe: 'how the nodes are connected' })
      .option('blocks', { type: 'number', default: 5, describe: 'blocks to mine, each at a random node' })
      .option('difficulty', { type: 'number', default: 2, describe: 'proof of work: leading zero bytes' })
      .option('degree', { type: 'number', default: 3, describe: 'minimum connections per node (random topology)' })
      .option('seed', { type: 'number', describe: 'seed for topology and miner choice (repeatable runs)' })
      .example('$0 toy-net --nodes 5 --topology ring --blocks 3', '') as never,
  handler: async (args) => {
    process.exitCode = await runToyNet(args);
  },
};

async function runToyNet(args: ToyNetArgs): Promise<number> {
  const [{ createLogger }, toy, { UsageError }] = await Promise.all([import('../logger.js'), import('../../toy/index.js'), import('../../util/errors.js')]);
  const intArg = (name: string, v: number, min: number, max: number): number => {
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError('bad_option', `--${name} must be an integer from ${min} to ${max}`);
    return v;
  };
  const nodes = intArg('nodes', args.nodes, 1, MAX_TOY_NODES);
  const blocks = intArg('blocks', args.blocks, 0, 10_000);
  const difficulty = intArg('difficulty', args.difficulty, 0, 4);
  const degree = intArg('degree', args.degree, 1, 64);
  const json = args.json === true;
  const log = createLogger(args['log-level'] ?? 'info', json);
  const report = await toy.runToyNetwork({
    nodes,
    topology: args.topology as (typeof toy.TOPOLOGIES)[number],
    blocks,
    difficulty,
    degree,
    log,
    random: args.seed === undefined ? undefined : toy.seededRandom(args.seed),
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.converged ? 0 : 1;
  }
  const w = (s: string): void => void process.stdout.write(`${s}\n`);
  w(`toy network: ${report.nodes} nodes, ${report.topology} topology, ${report.edges.length} connections, difficulty ${report.difficulty}`);
  w('');
  w('height  hash          miner  all nodes after  messages  forwards  duplicates dropped');
  for (const b of report.blocks)
    w(
      `${String(b.height).padStart(6)}  ${b.hash.slice(0, 12)}  ${String(b.miner).padStart(5)}  ` +
        `${(b.spreadMs === undefined ? `${b.reached}/${report.nodes} only` : `${b.spreadMs.toFixed(1)} ms`).padStart(15)}  ` +
        `${String(b.messages).padStart(8)}  ${String(b.forwards).padStart(8)}  ${String(b.duplicates).padStart(18)}`,
    );
  w('');
  w('node  port   height  tip               peers');
  for (const t of report.tips) w(`${String(t.node).padStart(4)}  ${String(t.port).padEnd(5)}  ${String(t.height).padStart(6)}  ${t.hash.slice(0, 16)}  ${String(t.peers).padStart(5)}`);
  w('');
  const med = report.medianSpreadMs === undefined ? 'n/a' : `${report.medianSpreadMs.toFixed(1)} ms`;
  w(
    `${report.converged ? 'converged' : 'NOT converged'}: median spread ${med}, ${report.messagesPerBlock.toFixed(1)} messages/block, ` +
      `${report.forwardsPerNodePerBlock.toFixed(2)} forwards/node/block, ${report.duplicatesPerBlock.toFixed(1)} duplicates/block`,
  );
  return report.converged ? 0 : 1;
}
