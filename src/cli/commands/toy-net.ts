// `spv toy-net --nodes N`: the local toy-network mode. Starts N toy nodes on loopback in a
// topology, mines K blocks at random nodes, and prints how each block spread and every node's
// converged tip (or the whole report as JSON with --json). Exit 1 if the nodes did not converge.
// --html FILE / --svg FILE also draw it: the graph, each block's spread, a propagation chart.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';

export interface ToyNetArgs extends CommonArgs {
  nodes: number;
  topology: string;
  blocks: number;
  difficulty: number;
  degree: number;
  seed?: number;
  html?: string;
  svg?: string;
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
      .option('html', { type: 'string', describe: 'write a self-contained HTML page: the graph, each block\'s spread animated, a propagation chart' })
      .option('svg', { type: 'string', describe: 'write a static SVG picture of the same' })
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
  if (args.html !== undefined || args.svg !== undefined) {
    const [{ writeFileAtomic }, { toyNetHtml }, { toyNetSvg }] = await Promise.all([import('../../util/atomic-file.js'), import('../picture/html.js'), import('../picture/svg.js')]);
    if (args.html !== undefined) writeFileAtomic(args.html, toyNetHtml(report));
    if (args.svg !== undefined) writeFileAtomic(args.svg, toyNetSvg(report));
    for (const f of [args.html, args.svg]) if (f !== undefined) log.info(`wrote ${f}`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.converged ? 0 : 1;
  }
  const { toyNetLines } = await import('../picture/svg.js');
  for (const line of toyNetLines(report)) process.stdout.write(`${line}\n`);
  return report.converged ? 0 : 1;
}
