// Implementation of `spv broadcast`: read and pre-check the transaction (refused with the
// reason before any traffic), connect to --max-peers peers (relay 0, advertising NODE_WITNESS),
// announce, serve, report per peer; exit 0 once a peer requested and received it, 1 with
// per-peer reasons at --timeout. `--wait-confirm N` then follows it N blocks deep.
import { readFileSync } from 'node:fs';
import { hashToDisplay } from '../../util/bytes.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { TxCheckError, decodeCheckedTx } from '../../tx/check.js';
import { txWeight } from '../../tx/tx.js';
import { BroadcastError, TxBroadcast, type BroadcastResult, type PeerBroadcastReport } from '../../client/broadcast.js';
import { createLogger } from '../logger.js';
import { printJson, printLine } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { BroadcastArgs } from '../commands/broadcast.js';
import { untilSignal } from '../signals.js';
import { announceNetwork, writeNoPeersSummary } from './client.js';
import { observeFromArgs, type Observation } from '../observe.js';

/** The transaction bytes from `hex`, `@file` (hex text or raw bytes) or `-` (hex on stdin). */
export function readTxArgument(arg: string, readStdin: () => string = () => readFileSync(0, 'utf8')): Uint8Array {
  let text: string;
  if (arg === '-') text = readStdin();
  else if (arg.startsWith('@')) {
    let buf: Buffer;
    try {
      buf = readFileSync(arg.slice(1));
    } catch (err) {
      throw new UsageError('bad_tx_file', `cannot read ${arg.slice(1)}: ${errorMessage(err)}`);
    }
    const asText = buf.toString('latin1').trim();
    if (!/^[0-9a-fA-F]*$/.test(asText)) return Uint8Array.from(buf); // raw bytes
    text = asText;
  } else text = arg;
  const hex = text.trim();
  if (hex.length === 0) throw new UsageError('bad_tx_hex', 'no transaction given');
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) throw new UsageError('bad_tx_hex', 'the transaction is not hex (an even number of 0-9a-f digits)');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export async function runBroadcast(args: BroadcastArgs): Promise<number> {
  const params = announceNetwork(args);
  if (!(args.timeout > 0)) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  if (!(args['handshake-timeout'] > 0)) throw new UsageError('bad_timeout', '--handshake-timeout must be a positive number of ms');
  if (!(args['spread-ms'] >= 0)) throw new UsageError('bad_spread', '--spread-ms must be 0 or more');
  if (!Number.isInteger(args['max-peers']) || args['max-peers'] < 1) throw new UsageError('bad_max_peers', '--max-peers must be a positive integer');
  const depth = args['wait-confirm'] === undefined ? undefined : Number.isNaN(args['wait-confirm']) ? 1 : args['wait-confirm'];
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) throw new UsageError('bad_wait_confirm', '--wait-confirm takes a whole number of blocks from 1');

  const log = createLogger(args['log-level'], args.json);
  const json = args.json ?? false;
  // Everything a node would refuse on sight is refused here, before any traffic.
  let b: TxBroadcast;
  let seen: Observation = { observer: undefined, close: () => {} };
  try {
    // Checked before the capture directory is made, so a refused transaction leaves nothing.
    const tx = decodeCheckedTx(readTxArgument(args.tx === '' ? '-' : args.tx));
    seen = await observeFromArgs(args, params, log);
    // yargs hands a lone "-" over as an empty string.
    b = new TxBroadcast(tx, {
      network: params.name,
      peers: args.connect,
      maxPeers: args['max-peers'],
      dns: args.dns,
      dnsServer: args['dns-server'],
      seedsFile: args['seeds-file'],
      handshakeTimeoutMs: args['handshake-timeout'],
      spreadMs: args['spread-ms'],
      waitConfirm: depth,
      datadir: args.datadir,
      log,
      observer: seen.observer,
    });
  } catch (err) {
    seen.close();
    log.close();
    if (err instanceof TxCheckError) {
      if (json) printJson({ event: 'refused', code: err.code, coreReason: err.coreReason, reason: err.message });
      throw new UsageError(`tx_${err.code}`, `transaction refused before any traffic (${err.coreReason}): ${err.message}`);
    }
    throw err;
  }
  const txid = b.txid;
  if (!json) printLine(`broadcasting ${txid} (wtxid ${hashToDisplay(b.tx.wtxid)}, ${b.tx.raw.length} bytes, weight ${txWeight(b.tx)}${b.segwit ? ', segwit' : ''}) to ${args['max-peers']} peer(s)`);
  const event = (name: string, r: PeerBroadcastReport, extra = ''): void => {
    if (json) printJson({ event: name, txid, peer: r.peer, ...(extra ? { detail: extra } : {}) });
    else printLine(`  ${r.peer}: ${name}${extra ? ` ${extra}` : ''}`);
  };
  b.on('announced', (r) => event('announced', r, r.announceType ?? ''));
  b.on('requested', (r, type) => event('requested', r, type));
  b.on('sent', (r) => event('sent', r, `${r.sentBytes} bytes`));
  b.on('delivered', (r) => event('delivered', r));
  b.on('refused', (r) => event('refused', r, r.refused ?? ''));
  b.on('found', (height, hash) => {
    if (json) printJson({ event: 'found', txid, height, block: hash });
    else printLine(`in block ${height} (${hash})`);
  });

  const interrupted = new AbortController();
  untilSignal().then(() => interrupted.abort());
  try {
    await b.start();
    const result = await b.sent({ timeoutMs: args.timeout, signal: interrupted.signal });
    printReport(result, json);
    if (!result.ok) return EXIT_FAILURE;
    if (depth === undefined) return EXIT_OK;
    if (!json) printLine(`waiting for ${depth} confirmation(s)`);
    const c = await b.confirmed({ signal: interrupted.signal });
    if (json) printJson({ event: 'confirmed', txid, height: c.height, block: c.blockHash, confirmations: c.confirmations });
    else printLine(`confirmed: ${txid} at height ${c.height} (${c.confirmations} confirmation(s)), block ${c.blockHash}`);
    return EXIT_OK;
  } catch (err) {
    if (interrupted.signal.aborted) return EXIT_FAILURE;
    if (err instanceof BroadcastError && err.code === 'no_reachable_peers') {
      if (json) printJson({ event: 'no_reachable_peers', txid, attempts: err.details.attempts, discovery: err.details.report });
      else writeNoPeersSummary(params.name, err.details.report, err.details.attempts ?? []);
      return EXIT_FAILURE;
    }
    throw err;
  } finally {
    await b.stop();
    seen.close();
    log.close();
  }
}

function printReport(r: BroadcastResult, json: boolean): void {
  if (json) {
    printJson({ event: 'broadcast', txid: r.txid, wtxid: r.wtxid, ok: r.ok, peers: r.peers });
    return;
  }
  const n = r.peers.filter((p) => p.deliveredAtMs !== undefined).length;
  printLine(r.ok ? `broadcast ${r.txid}: ${n} peer(s) requested and received it` : `broadcast ${r.txid} FAILED: no peer requested and received it`);
  if (r.peers.length === 0) printLine('  no peer completed the handshake');
  for (const p of r.peers) printLine(`  ${p.peer} ${p.userAgent}: ${describe(p)}`);
}

function describe(r: PeerBroadcastReport): string {
  const ms = (v: number): string => `${Math.round(v)} ms`;
  const parts: string[] = [];
  if (r.announcedAtMs !== undefined) parts.push(`announced ${r.announceType} at ${ms(r.announcedAtMs)}`);
  else parts.push('not announced');
  if (r.requestedAtMs !== undefined) parts.push(`requested (${r.requested.join(', ')}) at ${ms(r.requestedAtMs)}`);
  else if (r.announcedAtMs !== undefined) parts.push('not requested');
  if (r.sentAtMs !== undefined) parts.push(`sent ${r.sentBytes} bytes`);
  if (r.deliveredAtMs !== undefined) parts.push(`received (pong) at ${ms(r.deliveredAtMs)}`);
  if (r.feeFilter !== undefined) parts.push(`feefilter ${r.feeFilter} sat/kvB`);
  if (r.refused) parts.push(r.refused);
  if (r.gone) parts.push(`disconnected: ${r.gone}`);
  return parts.join(', ');
}
