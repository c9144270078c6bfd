// TxDownloader without sockets (peers are recording stand-ins): the announcement type the
// connection negotiated, caps, one request per transaction, notfound and timeouts moving on to
// the next announcer, unsolicited transactions told apart.
import { InvType } from '../../src/wire/inventory.js';
import type { Message } from '../../src/wire/message.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { NODE_WITNESS } from '../../src/bitcoin/services.js';
import { TxDownloader } from '../../src/bitcoin/tx-download.js';

interface FakePeer {
  peer: BitcoinPeer;
  sent: Message[];
  fire(): void;
}
function fakePeer(label: string, opts: { wtxidRelay?: boolean; services?: bigint } = {}): FakePeer {
  const sent: Message[] = [];
  let timer: (() => void) | undefined;
  const peer = {
    label,
    isClosed: false,
    state: { wtxidRelay: opts.wtxidRelay ?? true, remote: { services: opts.services ?? NODE_WITNESS } },
    send: (m: Message) => sent.push(m),
    setTimer: (_n: string, _ms: number, f: () => void) => (timer = f),
  } as unknown as BitcoinPeer;
  return { peer, sent, fire: () => timer?.() };
}
const id = (n: number): Uint8Array => {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, n, true);
  return h;
};
const requested = (p: FakePeer): number => p.sent.filter((m) => m.command === 'getdata').reduce((n, m) => n + (m.command === 'getdata' ? m.items.length : 0), 0);

test('the negotiated type only: MSG_WTX on wtxid connections, MSG_TX otherwise; request types follow Core', () => {
  const d = new TxDownloader({ known: () => false });
  const w = fakePeer('w');
  const t = fakePeer('t', { wtxidRelay: false });
  const old = fakePeer('old', { wtxidRelay: false, services: 0n });
  d.onInv(w.peer, [{ type: InvType.TX, hash: id(1) }, { type: InvType.WTX, hash: id(2) }]);
  d.onInv(t.peer, [{ type: InvType.WTX, hash: id(3) }, { type: InvType.TX, hash: id(4) }]);
  d.onInv(old.peer, [{ type: InvType.TX, hash: id(5) }]);
  expect(d.stats.wrongType).toBe(2);
  expect(w.sent).toEqual([{ command: 'getdata', items: [{ type: InvType.WTX, hash: id(2) }] }]);
  expect(t.sent).toEqual([{ command: 'getdata', items: [{ type: InvType.WITNESS_TX, hash: id(4) }] }]);
  expect(old.sent).toEqual([{ command: 'getdata', items: [{ type: InvType.TX, hash: id(5) }] }]);
});

test('one request per transaction; notfound moves it to the next announcer; a timeout too', () => {
  let now = 0;
  const d = new TxDownloader({ known: () => false, now: () => now, requestIntervalMs: 1000 });
  const a = fakePeer('a');
  const b = fakePeer('b');
  const c = fakePeer('c');
  d.onInv(a.peer, [{ type: InvType.WTX, hash: id(1) }]);
  d.onInv(b.peer, [{ type: InvType.WTX, hash: id(1) }]);
  d.onInv(c.peer, [{ type: InvType.WTX, hash: id(1) }]);
  expect([requested(a), requested(b), requested(c)]).toEqual([1, 0, 0]);
  d.onNotFound(a.peer, [{ type: InvType.WTX, hash: id(1) }]);
  expect(requested(b)).toBe(1);
  now = 1500;
  b.fire(); // b never answers: after the interval c is asked
  expect(requested(c)).toBe(1);
  expect(d.stats.expired).toBe(1);
  expect(d.onTx(c.peer, id(9), id(1))).toBe('requested');
  expect(d.trackedCount).toBe(0);
  expect(d.onTx(a.peer, id(8), id(7))).toBe('unsolicited');
});

test('caps: 5,000 tracked announcements and 100 requests in flight per peer; known ids are skipped', () => {
  const d = new TxDownloader({ known: (h) => h[0] === 0 && h[1] === 0 && h[2] === 0 && h[3] === 0 });
  const p = fakePeer('p');
  const items = Array.from({ length: 6_000 }, (_, i) => ({ type: InvType.WTX, hash: id(i) }));
  d.onInv(p.peer, items);
  expect(d.trackedFrom(p.peer)).toBe(5_000); // id(0) was known
  expect(d.stats.dropped).toBe(999);
  expect(requested(p)).toBe(100);
  d.onTx(p.peer, id(100_000), id(1));
  expect(requested(p)).toBe(101); // one answered, one more asked
  d.onDisconnect(p.peer);
  expect(d.trackedCount).toBe(0);
});
