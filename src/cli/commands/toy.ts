// `spv toy`: one node of the toy gossip chain (the tutorial's), on the shared net/ layer.
// Accepts the tutorial's forms too: `spv toy PORT [peers...]` and `--listen PORT --connect h:p`.
// Each line typed on stdin is mined into a block and relayed; `--mine TEXT` does it for scripts.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';

export interface ToyArgs extends CommonArgs {
  port?: string;
  peers?: string[];
  listen?: string;
  host: string;
  peer?: string[];
  difficulty: number;
  datadir?: string;
  mine?: string[];
}

/** How long `--mine` waits for its peers to connect and sync before mining anyway. */
const MINE_WAIT_FOR_PEERS_MS = 10_000;
/** Blocks shown when the chain is printed (the rest are summarised). */
const CHAIN_PRINT_BLOCKS = 20;

export const toyCommand: CommandModule<object, ToyArgs> = {
  command: 'toy [port] [peers..]',
  describe: 'Run one node of the toy gossip blockchain (type a line to mine a block)',
  builder: (y) =>
    withCommonOptions(y)
      .positional('port', { type: 'string', describe: 'port to listen on (tutorial form)' })
      .positional('peers', { type: 'string', array: true, describe: 'peers to dial: host:port or PORT (tutorial form)' })
      .option('listen', { type: 'string', describe: 'PORT or host:port to listen on (default: a free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'listen host when only a port is given (use 0.0.0.0 to expose)' })
      .option('peer', { type: 'string', array: true, alias: 'connect', describe: 'peer host:port to keep connected to (repeatable)' })
      .option('difficulty', { type: 'number', default: 2, describe: 'proof of work: leading zero bytes of the block hash' })
      .option('datadir', { type: 'string', describe: 'directory to keep the chain in across restarts' })
      .option('mine', { type: 'string', array: true, describe: 'mine a block with this text, relay it, print the chain and exit (repeatable)' })
      .example('$0 toy 5000', 'listen on 127.0.0.1:5000')
      .example('$0 toy 5001 5000', 'listen on 5001 and connect to 127.0.0.1:5000')
      .example('$0 toy --listen 5002 --connect 127.0.0.1:5000 --datadir ./toy2', 'tutorial flags, chain kept on disk')
      .example("printf 'GET_CHAIN\\n' | nc 127.0.0.1 5000", 'fetch the chain as the tutorial does') as never,
  handler: async (args) => {
    process.exitCode = await runToy(args);
  },
};

async function runToy(args: ToyArgs): Promise<number> {
  const [{ createLogger }, toy, { parseHostPort, formatHostPort }, { UsageError, errorMessage }, readline] = await Promise.all([
    import('../logger.js'),
    import('../../toy/index.js'),
    import('../../util/address.js'),
    import('../../util/errors.js'),
    import('node:readline'),
  ]);
  const json = args.json === true;
  const log = createLogger(args['log-level'] ?? 'info', json);
  const out = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

  const difficulty = args.difficulty;
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > toy.MAX_DIFFICULTY)
    throw new UsageError('bad_difficulty', `--difficulty must be an integer from 0 to ${toy.MAX_DIFFICULTY}`);
  const addr = (text: string, host: string): { host: string; port: number } =>
    /^\d+$/.test(text.trim()) ? parseHostPort(`${host}:${text.trim()}`) : parseHostPort(text);
  if (args.listen !== undefined && args.port !== undefined) throw new UsageError('bad_listen', 'give the port either positionally or with --listen, not both');
  const listen = addr(args.listen ?? args.port ?? '0', args.host);
  const peers = [...(args.peer ?? []), ...(args.peers ?? [])].map((p) => addr(String(p), '127.0.0.1'));

  const node = await toy.ToyNode.start({ listen, peers, difficulty, datadir: args.datadir, log });
  const where = formatHostPort(node.address!);
  if (json) out({ event: 'listening', address: where, difficulty, height: node.chain.height, tip: node.chain.tip.hash });
  else log.info(`toy node listening on ${where}, difficulty ${difficulty}, height ${node.chain.height}; type a line to mine a block`);

  const printChain = (): void => {
    const h = node.chain.height;
    const from = Math.max(0, h - CHAIN_PRINT_BLOCKS + 1);
    const blocks = [];
    for (let i = from; i <= h; i++) blocks.push(node.chain.blockAt(i)!);
    if (json) return out({ event: 'chain', height: h, blocks });
    log.info(`chain: height ${h}, tip ${node.chain.tip.hash}${from > 0 ? ` (last ${blocks.length} blocks shown)` : ''}`);
    for (const b of blocks) log.info(`  #${b.index} ${b.hash.slice(0, 16)}… nonce ${b.nonce} ${JSON.stringify(b.data)}`);
  };

  node.on('toy', (e) => {
    if (e.type === 'accepted' && e.from >= 0) {
      if (json) out({ event: 'block', from: e.from, tipChanged: e.tipChanged, block: e.block });
      else log.info(`block #${e.block.index} ${e.block.hash.slice(0, 16)}… from peer #${e.from}${e.tipChanged ? '' : ' (side branch)'}: ${JSON.stringify(e.block.data)}`);
    } else if (e.type === 'reorg') {
      if (json) out({ event: 'reorg', forkHeight: e.reorg.forkHeight, oldTip: e.reorg.oldTip.hash, newTip: e.reorg.newTip.hash, replaced: e.reorg.disconnected.length });
      printChain();
    } else if (e.type === 'rejected' && json) out({ event: 'rejected', from: e.from, hash: e.hash, code: e.code, reason: e.message });
  });
  node.on('peers', (count) => {
    if (json) out({ event: 'peers', count, peers: node.peers.map((p) => p.label) });
  });

  let mining: Promise<unknown> = Promise.resolve();
  const mine = (text: string): Promise<unknown> =>
    (mining = mining.then(async () => {
      try {
        const b = await node.mine(text);
        if (json) out({ event: 'mined', block: b });
        printChain();
      } catch (err) {
        log.error(`mining failed: ${errorMessage(err)}`);
      }
    }));

  const stop = async (): Promise<void> => {
    await node.close();
  };

  if (args.mine && args.mine.length > 0) {
    if (peers.length > 0) {
      // Connect and catch up first, so the block extends the network's tip rather than a stale one.
      await toy
        .waitUntil(
          [node],
          () => node.peers.some((p) => p.established && p.kind !== 'unknown') && node.gossip.syncsInFlight === 0,
          MINE_WAIT_FOR_PEERS_MS,
          'a peer to connect and sync',
        )
        .catch((err: unknown) => log.warn(`${errorMessage(err)}; mining anyway`));
    }
    for (const text of args.mine) await mine(text);
    await new Promise((r) => setTimeout(r, 200)); // let the relayed lines leave the socket buffers
    await stop();
    return 0;
  }

  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    const text = line.trim();
    if (text !== '') void mine(text);
  });
  rl.on('close', () => log.debug('stdin closed; still serving peers (Ctrl-C to stop)'));
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      log.info('shutting down');
      rl.close();
      void stop().then(resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return 0;
}
