// `spv headers tip` and `spv headers get <height|hash>`: read the datadir's stored header
// chain (read-only, without the lock, so it works while a sync runs). Chain code is loaded
// inside the handler so `spv --help` stays fast.
import type { CommandModule } from 'yargs';
import type { NetworkParams } from '../../params/networks.js';
import { SpvError, UsageError } from '../../util/errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { EXIT_OK } from '../exit.js';
import { resolveNetwork, withNetworkOptions, type NetworkArgs } from '../network-options.js';

export interface HeadersArgs extends NetworkArgs, CommonArgs {
  datadir?: string;
  /** 'tip' or 'get'. */
  action?: string;
  /** For `get`: a height or a display-order block hash. */
  id?: string;
  /** For `hints`: one hint every this many heights. */
  every?: number;
}

export interface HeadersIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: HeadersIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** One header as `--json` prints it (Core getblockheader-like names). */
export interface HeaderReport {
  readonly network: string;
  readonly datadir: string;
  readonly height: number;
  readonly hash: string;
  readonly confirmations: number;
  readonly version: number;
  readonly versionHex: string;
  readonly merkleroot: string;
  readonly time: number;
  readonly mediantime: number;
  readonly nonce: number;
  readonly bits: string;
  readonly chainwork?: string;
  readonly previousblockhash?: string;
  readonly nextblockhash?: string;
  readonly hex: string;
}

const withDatadir = <T>(y: import('yargs').Argv<T>) =>
  withCommonOptions(withNetworkOptions(y)).option('datadir', { type: 'string', describe: 'data directory (default ~/.spv/<network>)' });

export const headersCommand: CommandModule<object, HeadersArgs> = {
  command: 'headers',
  describe: 'Show stored block headers: `headers tip`, `headers get <height|hash>`, `headers hints --every N`',
  builder: (y) =>
    y
      .command('tip', 'the best stored header', withDatadir as never, (a: HeadersArgs) => runFromYargs(a, 'tip'))
      .command(
        'get <id>',
        'the stored header at a height or with a hash',
        ((yy: import('yargs').Argv) =>
          withDatadir(yy).positional('id', { type: 'string', describe: 'height (number) or block hash (64 hex digits, display order)' })) as never,
        (a: HeadersArgs) => runFromYargs(a, 'get'),
      )
      .command(
        'hints',
        'print download hints (height hash, every N heights) of the stored chain, for `sync --hints FILE`',
        ((yy: import('yargs').Argv) =>
          withDatadir(yy).option('every', { type: 'number', default: DEFAULT_HINT_EVERY, describe: 'one hint every N heights (2000: one getheaders per range)' })) as never,
        (a: HeadersArgs) => runFromYargs(a, 'hints'),
      )
      .demandCommand(1, 'Name an action: tip, get <height|hash> or hints.')
      .example('$0 headers tip --testnet4', 'height and hash of the best stored testnet4 header')
      .example('$0 headers get 546 --testnet --json', 'the header at height 546 as JSON')
      .example('$0 headers hints --regtest --every 2000 > hints.txt', 'download hints for `spv sync --regtest --hints hints.txt`') as never,
  handler: () => {},
};

/** A hint every 2,000 heights: each range between hints is exactly one getheaders reply
 * (Core MAX_HEADERS_RESULTS). */
export const DEFAULT_HINT_EVERY = 2000;

async function runFromYargs(args: HeadersArgs, action: 'tip' | 'get' | 'hints'): Promise<void> {
  process.exitCode = await runHeaders({ ...args, action, id: args.id === undefined ? undefined : String(args.id) });
}

/** The command's work, callable from tests. Throws UsageError (exit 2) or SpvError/StoreError (exit 1). */
export async function runHeaders(args: HeadersArgs, io: HeadersIo = PROCESS_IO): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) io.err(`Warning: ${params.deprecation}\n`);
  const action = args.action ?? 'tip';
  if (action === 'hints') return runHints(args, params, io);
  if (action !== 'tip' && action !== 'get') throw new UsageError('bad_action', `unknown action "${action}" (expected tip, get or hints)`);
  let wantHeight: number | undefined;
  let wantHash: string | undefined;
  if (action === 'get') {
    const id = (args.id ?? '').trim();
    if (/^[0-9a-fA-F]{64}$/.test(id)) wantHash = id.toLowerCase();
    else if (/^\d{1,10}$/.test(id)) wantHeight = Number(id);
    else throw new UsageError('bad_header_id', `"${id}" is neither a height nor a 64-hex-digit block hash`);
  }
  const [{ StoredHeaders }, { defaultDatadir }, { hashFromDisplay }] = await Promise.all([
    import('../../chain/header-store.js'),
    import('../../chain/datadir.js'),
    import('../../util/bytes.js'),
  ]);
  const datadir = args.datadir ?? defaultDatadir(params);
  const store = StoredHeaders.open(datadir);
  try {
    const tip = store.height;
    if (tip < 0) throw new SpvError('empty_store', `no headers stored in ${datadir}`);
    let height: number;
    if (action === 'tip') height = tip;
    else if (wantHash !== undefined) {
      height = store.heightOf(hashFromDisplay(wantHash));
      if (height < 0) throw new SpvError('header_not_found', `no stored header with hash ${wantHash} in ${datadir}`);
    } else {
      height = wantHeight!;
      if (height > tip) throw new SpvError('header_not_found', `no stored header at height ${height} (stored tip is ${tip})`);
    }
    const h = store.at(height);
    const chainwork = action === 'tip' ? store.chainWork(height) : undefined;
    const report: HeaderReport = {
      network: params.name,
      datadir,
      height,
      hash: h.hash,
      confirmations: tip - height + 1,
      version: h.version,
      versionHex: (h.version >>> 0).toString(16).padStart(8, '0'),
      merkleroot: h.merkleRoot,
      time: h.time,
      mediantime: store.medianTimePast(height),
      nonce: h.nonce,
      bits: h.bits.toString(16).padStart(8, '0'),
      ...(chainwork !== undefined ? { chainwork: chainwork.toString(16).padStart(64, '0') } : {}),
      ...(height > 0 ? { previousblockhash: h.prevBlock } : {}),
      ...(height < tip ? { nextblockhash: store.at(height + 1).hash } : {}),
      hex: Buffer.from(h.raw).toString('hex'),
    };
    io.out(args.json ? `${JSON.stringify(report)}\n` : human(report, params));
    return EXIT_OK;
  } finally {
    store.close();
  }
}

/** `spv headers hints --every N`: (height, hash) every N heights of the stored best chain. */
async function runHints(args: HeadersArgs, params: NetworkParams, io: HeadersIo): Promise<number> {
  const every = args.every ?? DEFAULT_HINT_EVERY;
  if (!Number.isInteger(every) || every < 1) throw new UsageError('bad_every', '--every must be a positive whole number of heights');
  const [{ StoredHeaders }, { defaultDatadir }, { formatHints }, { hashFromDisplay }] = await Promise.all([
    import('../../chain/header-store.js'),
    import('../../chain/datadir.js'),
    import('../../bitcoin/download-hints.js'),
    import('../../util/bytes.js'),
  ]);
  const datadir = args.datadir ?? defaultDatadir(params);
  const store = StoredHeaders.open(datadir);
  try {
    const tip = store.height;
    if (tip < 0) throw new SpvError('empty_store', `no headers stored in ${datadir}`);
    const hints = [];
    for (let h = every; h <= tip; h += every) hints.push({ height: h, hash: hashFromDisplay(store.at(h).hash) });
    io.out(formatHints(hints, [`spv download hints for ${params.name}: every ${every} heights of ${datadir} (tip ${tip})`]));
    return EXIT_OK;
  } finally {
    store.close();
  }
}

function human(r: HeaderReport, params: NetworkParams): string {
  const rows: [string, string][] = [
    ['network', `${params.name} (${r.datadir})`],
    ['height', `${r.height}${r.confirmations === 1 ? ' (tip)' : ` (${r.confirmations} confirmations)`}`],
    ['hash', r.hash],
    ['time', `${new Date(r.time * 1000).toISOString()} (${r.time}; median time past ${r.mediantime})`],
    ['bits', r.bits],
    ['version', `0x${r.versionHex}`],
    ['nonce', String(r.nonce)],
    ['merkle root', r.merkleroot],
  ];
  if (r.chainwork) rows.push(['chain work', `0x${BigInt(`0x${r.chainwork}`).toString(16)}`]);
  if (r.previousblockhash) rows.push(['previous', r.previousblockhash]);
  if (r.nextblockhash) rows.push(['next', r.nextblockhash]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
