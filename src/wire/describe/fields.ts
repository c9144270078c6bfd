// Every decoded field of a message as a JSON-ready object (`--trace=fields`, `spv decode --json`):
// 64-bit numbers as decimal strings, 32-byte hashes in display order, other bytes as hex,
// headers and transactions broken into their fields. Exhaustive over the message union.
import { hashToDisplay, toHex } from '../../util/bytes.js';
import { sha256dFast } from '../../util/sha256d-fast.js';
import type { Message } from '../message.js';
import type { Tx } from '../../tx/tx.js';
import { hasWitness, txWeight } from '../../tx/tx.js';
import { invTypeName, servicesText } from './format.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An 80-byte block header, field by field (Core primitives/block.h). */
export function headerFields(raw: Uint8Array): JsonObject {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    hash: hashToDisplay(sha256dFast(raw)),
    version: v.getInt32(0, true),
    prevBlock: hashToDisplay(raw.subarray(4, 36)),
    merkleRoot: hashToDisplay(raw.subarray(36, 68)),
    time: v.getUint32(68, true),
    bits: `0x${v.getUint32(72, true).toString(16).padStart(8, '0')}`,
    nonce: v.getUint32(76, true),
  };
}

export function txFields(tx: Tx): JsonObject {
  return {
    txid: hashToDisplay(tx.txid),
    wtxid: hashToDisplay(tx.wtxid),
    version: tx.version,
    size: tx.raw.length,
    weight: txWeight(tx),
    segwit: hasWitness(tx),
    inputs: tx.inputs.map((i) => ({
      prevTxid: hashToDisplay(i.prevout.txid),
      vout: i.prevout.vout,
      scriptSig: toHex(i.scriptSig),
      sequence: i.sequence,
      witness: i.witness.map(toHex),
    })),
    outputs: tx.outputs.map((o) => ({ value: o.value.toString(), scriptPubKey: toHex(o.scriptPubKey) })),
    lockTime: tx.lockTime,
  };
}

const inv = (items: readonly { type: number; hash: Uint8Array }[]): JsonValue =>
  items.map((it) => ({ type: it.type, typeName: invTypeName(it.type), hash: hashToDisplay(it.hash) }));

const netAddr = (a: { services: bigint; host: string; port: number }): JsonObject => ({
  services: `0x${a.services.toString(16)}`,
  serviceNames: servicesText(a.services),
  host: a.host,
  port: a.port,
});

function assertNever(m: never): never {
  throw new Error(`no fields for ${JSON.stringify((m as { command?: unknown }).command)}`);
}

/** The message's fields (without `command`, which the caller prints beside them). */
export function messageFields(m: Message): JsonObject {
  switch (m.command) {
    case 'version':
      return {
        version: m.version,
        services: `0x${m.services.toString(16)}`,
        serviceNames: servicesText(m.services),
        timestamp: m.timestamp.toString(),
        addrRecv: netAddr(m.addrRecv),
        addrFrom: netAddr(m.addrFrom),
        nonce: m.nonce.toString(),
        userAgent: m.userAgent,
        startHeight: m.startHeight,
        relay: m.relay ?? null,
      };
    case 'verack':
    case 'wtxidrelay':
    case 'sendaddrv2':
    case 'sendheaders':
    case 'getaddr':
    case 'filterclear':
    case 'mempool':
      return {};
    case 'ping':
    case 'pong':
      return { nonce: m.nonce.toString() };
    case 'sendcmpct':
      return { announce: m.announce, version: m.version.toString() };
    case 'sendtxrcncl':
      return { version: m.version, salt: m.salt.toString() };
    case 'feefilter':
      return { feeRate: m.feeRate.toString() };
    case 'addr':
      return { addresses: m.addresses.map((a) => ({ time: a.time, ...netAddr(a) })) };
    case 'addrv2':
      return {
        addresses: m.addresses.map((e) => ({
          time: e.time,
          services: `0x${e.services.toString(16)}`,
          networkId: e.networkId,
          addr: toHex(e.addr),
          host: e.host ?? null,
          port: e.port,
        })),
      };
    case 'inv':
    case 'getdata':
    case 'notfound':
      return { items: inv(m.items) };
    case 'getheaders':
      return { version: m.version, locator: m.locator.map(hashToDisplay), hashStop: hashToDisplay(m.hashStop) };
    case 'headers':
      return { headers: m.headers.map(headerFields) };
    case 'reject':
      return { message: m.message, code: m.code, reason: m.reason, data: toHex(m.data) };
    case 'tx':
      return txFields(m.tx);
    case 'block':
      return { header: headerFields(m.block.header), size: m.block.raw.length, txs: m.block.txs.map(txFields) };
    case 'merkleblock':
      return { header: headerFields(m.header), totalTransactions: m.totalTransactions, hashes: m.hashes.map(hashToDisplay), flags: toHex(m.flags) };
    case 'filterload':
      return { filter: toHex(m.filter), hashFuncs: m.hashFuncs, tweak: m.tweak, flags: m.flags };
    case 'filteradd':
      return { data: toHex(m.data) };
    case 'getcfilters':
    case 'getcfheaders':
      return { filterType: m.filterType, startHeight: m.startHeight, stopHash: hashToDisplay(m.stopHash) };
    case 'cfilter':
      return { filterType: m.filterType, blockHash: hashToDisplay(m.blockHash), filter: toHex(m.filter) };
    case 'cfheaders':
      return {
        filterType: m.filterType,
        stopHash: hashToDisplay(m.stopHash),
        previousFilterHeader: hashToDisplay(m.previousFilterHeader),
        filterHashes: m.filterHashes.map(hashToDisplay),
      };
    case 'getcfcheckpt':
      return { filterType: m.filterType, stopHash: hashToDisplay(m.stopHash) };
    case 'cfcheckpt':
      return { filterType: m.filterType, stopHash: hashToDisplay(m.stopHash), filterHeaders: m.filterHeaders.map(hashToDisplay) };
    case 'unknown':
      return { name: m.name, payload: toHex(m.payload) };
    default:
      return assertNever(m);
  }
}
