// Every message of shared/reference/vectors/messages.json through BitcoinFrameDecoder: fields
// checked against the JSON "decoded" values, then re-encoded byte for byte.
import { fromHex, hashToDisplay, toHex } from '../../src/util/bytes.js';
import type { Message } from '../../src/wire/message.js';
import { encodeMessage } from '../../src/wire/envelope.js';
import { VECTORS, bigFromJson, decodeOne, magicFor } from './helpers.js';

function only<C extends Message['command']>(m: Message, command: C): Extract<Message, { command: C }> {
  expect(m.command).toBe(command);
  return m as Extract<Message, { command: C }>;
}

/** What each vector must decode to (beyond the command), from its "decoded" JSON. */
const CHECKS: Record<string, (m: Message, d: any) => void> = {
  version: (m, d) => {
    const v = only(m, 'version');
    expect(v.version).toBe(d.version);
    expect(v.services).toBe(bigFromJson(d.services));
    expect(v.timestamp).toBe(BigInt(d.timestamp));
    expect(v.addrRecv).toEqual({ services: bigFromJson(d.addr_recv.services), host: d.addr_recv.ip.split(' ')[0], port: d.addr_recv.port });
    expect(v.addrFrom).toEqual({ services: bigFromJson(d.addr_from.services), host: d.addr_from.ip.split(' ')[0], port: d.addr_from.port });
    expect(v.nonce).toBe(bigFromJson(d.nonce));
    expect(v.userAgent).toBe(d.user_agent);
    expect(v.startHeight).toBe(d.start_height);
    expect(v.relay).toBe(d.relay === 1);
  },
  verack: (m) => only(m, 'verack'),
  getaddr: (m) => only(m, 'getaddr'),
  wtxidrelay: (m) => only(m, 'wtxidrelay'),
  sendaddrv2: (m) => only(m, 'sendaddrv2'),
  sendheaders: (m) => only(m, 'sendheaders'),
  ping: (m, d) => expect(only(m, 'ping').nonce).toBe(bigFromJson(d.nonce_u64 ?? d.nonce)),
  pong: (m, d) => expect(only(m, 'pong').nonce).toBe(bigFromJson(d.nonce_u64)),
  sendcmpct: (m, d) => {
    const s = only(m, 'sendcmpct');
    expect(s.announce).toBe(d.announce === 1);
    expect(s.version).toBe(BigInt(d.version));
  },
  feefilter: (m, d) => expect(only(m, 'feefilter').feeRate).toBe(BigInt(d.feerate_sat_per_kvB)),
  getheaders: (m, d) => {
    const g = only(m, 'getheaders');
    expect(g.version).toBe(d.version);
    expect(g.locator.map(hashToDisplay)).toEqual(d.locator);
    expect(hashToDisplay(g.hashStop)).toBe(d.hash_stop ?? '0'.repeat(64));
  },
  headers: (m, d) => {
    const h = only(m, 'headers');
    expect(h.headers).toHaveLength(d.count);
    expect(h.headers.map(toHex)).toEqual(d.headers.map((x: any) => x.raw_hex));
  },
  inv: (m, d) => invCheck(only(m, 'inv').items, d),
  getdata: (m, d) => invCheck(only(m, 'getdata').items, d),
  notfound: (m, d) => invCheck(only(m, 'notfound').items, d),
  addr: (m, d) => {
    const a = only(m, 'addr').addresses;
    expect(a).toHaveLength(d.count);
    const expected = d.first_entries ?? d.entries;
    expected.forEach((e: any, i: number) => expect(a[i]).toEqual({ time: e.time, services: bigFromJson(e.services), host: e.ip, port: e.port }));
    if (d.last_entry) {
      const e = d.last_entry;
      expect(a[a.length - 1]).toEqual({ time: e.time, services: bigFromJson(e.services), host: e.ip, port: e.port });
    }
  },
  addrv2: (m, d) => {
    const a = only(m, 'addrv2').addresses;
    expect(a).toHaveLength(d.count);
    d.entries.forEach((e: any, i: number) => {
      expect(a[i]!.time).toBe(e.time);
      expect(a[i]!.services).toBe(bigFromJson(e.services));
      expect(a[i]!.networkId).toBe(e.network_id);
      expect(toHex(a[i]!.addr)).toBe(e.addr_hex);
      expect(a[i]!.port).toBe(e.port);
    });
    // hosts for the IP-reachable networks, undefined for Tor v3 / I2P
    expect(a.map((e) => e.host)).toEqual(['2.59.134.244', '2001:bc8:1201:409:1618:77ff:fe5f:b12', undefined, undefined, 'fc10:efa7:ca6:1548:f8c:6bb9:1cc4:63ae']);
  },
  mempool: (m) => only(m, 'mempool'),
  filterclear: (m) => only(m, 'filterclear'),
  filterload: (m, d) => {
    const f = only(m, 'filterload');
    expect(f.filter).toHaveLength(d.filter_len);
    expect(toHex(f.filter)).toBe(d.filter_hex);
    expect(f.hashFuncs).toBe(d.nHashFuncs);
    expect(f.tweak).toBe(d.nTweak);
    expect(f.flags).toBe(d.nFlags);
  },
  filteradd: (m, d) => {
    const f = only(m, 'filteradd');
    expect(f.data).toHaveLength(d.data_len);
    expect(toHex(f.data)).toBe(d.data_hex);
  },
  merkleblock: (m, d) => {
    const b = only(m, 'merkleblock');
    expect(hashToDisplay(b.header.subarray(4, 36))).toBe(d.header.prev);
    expect(hashToDisplay(b.header.subarray(36, 68))).toBe(d.header.merkle_root);
    expect(b.totalTransactions).toBe(d.total_transactions);
    expect(b.hashes.map(hashToDisplay)).toEqual(d.hashes);
    expect(toHex(b.flags)).toBe(d.flags_hex);
  },
  getcfcheckpt: (m, d) => {
    const g = only(m, 'getcfcheckpt');
    expect(g.filterType).toBe(d.filter_type);
    expect(hashToDisplay(g.stopHash)).toBe(d.stop_hash);
  },
  cfcheckpt: (m, d) => {
    const c = only(m, 'cfcheckpt');
    expect(c.filterType).toBe(d.filter_type);
    expect(hashToDisplay(c.stopHash)).toBe(d.stop_hash);
    expect(c.filterHeaders.map(toHex)).toEqual(d.filter_headers.map((h: any) => h.header_wire));
    expect(c.filterHeaders.map(hashToDisplay)).toEqual(d.filter_headers.map((h: any) => h.header_display));
  },
  getcfheaders: (m, d) => {
    const g = only(m, 'getcfheaders');
    expect(g.filterType).toBe(d.filter_type);
    expect(g.startHeight).toBe(d.start_height);
    expect(hashToDisplay(g.stopHash)).toBe(d.stop_hash);
  },
  cfheaders: (m, d) => {
    const c = only(m, 'cfheaders');
    expect(c.filterType).toBe(d.filter_type);
    expect(hashToDisplay(c.stopHash)).toBe(d.stop_hash);
    expect(hashToDisplay(c.previousFilterHeader)).toBe(d.previous_filter_header_display);
    expect(c.filterHashes.map(hashToDisplay)).toEqual(d.filter_hashes_display);
  },
  getcfilters: (m, d) => {
    const g = only(m, 'getcfilters');
    expect(g.filterType).toBe(d.filter_type);
    expect(g.startHeight).toBe(d.start_height);
    expect(hashToDisplay(g.stopHash)).toBe(d.stop_hash);
  },
  cfilter: (m, d) => {
    const c = only(m, 'cfilter');
    expect(c.filterType).toBe(d.filter_type);
    expect(hashToDisplay(c.blockHash)).toBe(d.block_hash);
    expect(toHex(c.filter)).toBe(d.filter_hex);
  },
  reject: (m, d) => {
    const r = only(m, 'reject');
    expect(r.message).toBe(d.message);
    expect(r.code).toBe(Number(d.code));
    expect(r.reason).toBe(d.reason);
    expect(hashToDisplay(r.data)).toBe(d.data);
  },
};

function invCheck(items: readonly { type: number; hash: Uint8Array }[], d: any): void {
  expect(items).toHaveLength(d.count);
  d.items.forEach((e: any, i: number) => {
    expect(items[i]!.type).toBe(typeof e.type === 'number' ? e.type : Number(e.type.split(' ')[0]));
    expect(hashToDisplay(items[i]!.hash)).toBe(e.hash);
  });
}

const entries = Object.entries(VECTORS);

describe('messages.json vectors', () => {
  test('the pack still has its 36 messages', () => {
    expect(entries).toHaveLength(36);
  });

  test.each(entries)('%s decodes, matches its decoded fields and re-encodes byte for byte', (_key, v) => {
    const magic = magicFor(v.network);
    const m = decodeOne(magic, v.hex);
    const check = CHECKS[v.header.command];
    if (check) {
      check(m, v.decoded);
    } else {
      // messages we do not implement (getblocks) are values
      const u = only(m, 'unknown');
      expect(u.name).toBe(v.header.command);
      expect(toHex(u.payload)).toBe(v.payload_hex);
    }
    expect(toHex(encodeMessage(magic, m))).toBe(v.hex);
  });

  test('every command we implement is covered by at least one vector', () => {
    const covered = new Set(entries.map(([, v]) => v.header.command));
    for (const c of Object.keys(CHECKS)) expect(covered.has(c)).toBe(true);
  });

  test('the verack in protocol.md section 1 is what we encode', () => {
    expect(toHex(encodeMessage(fromHex('f9beb4d9'), { command: 'verack' }))).toBe('f9beb4d976657261636b000000000000000000005df6e0e2');
  });
});
