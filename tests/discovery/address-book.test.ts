// The bounded address book: adding from seeds and gossip, picking, history, and the size cap
// under gossip floods (including a property test over random operation sequences).
import fc from 'fast-check';
import { AddressBook, MAX_ADDRESS_BOOK_ENTRIES, MAX_FAILURES, RETRY_INTERVAL_MS } from '../../src/discovery/address-book.js';

const dns = { kind: 'dns', seed: 'seed.test' } as const;
const v4 = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

describe('AddressBook', () => {
  test('adds dialable addresses once, in canonical form, keeping the first source', () => {
    const book = new AddressBook();
    expect(book.add({ host: '2001:DB8::1', port: 18333 }, dns)).toBe(true);
    expect(book.add({ host: '2001:db8:0::1', port: 18333 }, { kind: 'manual' })).toBe(false);
    expect(book.add({ host: '::ffff:10.0.0.1', port: 18333 }, dns)).toBe(true);
    expect(book.add({ host: '10.0.0.1', port: 18333 }, dns)).toBe(false);
    expect(book.add({ host: '10.0.0.1', port: 18334 }, dns)).toBe(true);
    expect(book.size).toBe(3);
    expect(book.get({ host: '2001:db8::1', port: 18333 })).toMatchObject({ host: '2001:db8::1', source: dns, state: 'new', attempts: 0 });
  });

  test('rejects what cannot be dialled', () => {
    const book = new AddressBook();
    for (const host of ['seed.example.test', 'fc00::1', 'abc.onion', '', 'fe80::1%eth0'])
      expect(book.add({ host, port: 18333 }, dns)).toBe(false);
    for (const port of [0, -1, 65536, 1.5]) expect(book.add({ host: '10.0.0.1', port }, dns)).toBe(false);
    expect(book.size).toBe(0);
  });

  test('gossip: skips entries without a text host, records services and the newest time', () => {
    const book = new AddressBook();
    const added = book.addGossip(
      [
        { host: '10.0.0.1', port: 18333, services: 9n, time: 1000 },
        { port: 18333, services: 9n, time: 1000 }, // Tor v3 in addrv2: no host text
        { host: '10.0.0.2', port: 18333 },
      ],
      '127.0.0.2:18444',
    );
    expect(added).toBe(2);
    book.addGossip([{ host: '10.0.0.1', port: 18333, services: 1033n, time: 2000 }], 'other');
    book.addGossip([{ host: '10.0.0.1', port: 18333, time: 1500 }], 'other');
    expect(book.get({ host: '10.0.0.1', port: 18333 })).toMatchObject({
      services: 1033n,
      lastSeen: 2000,
      source: { kind: 'gossip', peer: '127.0.0.2:18444' },
    });
  });

  test('pickUntried picks at random among never-tried entries, honouring exclude', () => {
    const book = new AddressBook({ random: () => 0.99 });
    for (let i = 1; i <= 3; i++) book.add({ host: v4(i), port: 1 }, dns);
    expect(book.pickUntried()?.host).toBe(v4(3));
    book.markTried({ host: v4(3), port: 1 });
    expect(book.pickUntried()?.host).toBe(v4(2));
    expect(book.pickUntried((a) => a.host === v4(2))?.host).toBe(v4(1));
    book.markTried({ host: v4(1), port: 1 });
    book.markTried({ host: v4(2), port: 1 });
    expect(book.pickUntried()).toBeUndefined();
  });

  test('tried → failed → good, and pick waits RETRY_INTERVAL_MS and skips repeat failures', () => {
    let now = 1_000_000;
    const book = new AddressBook({ now: () => now, random: () => 0 });
    const a = { host: '10.0.0.1', port: 1 };
    const b = { host: '10.0.0.2', port: 1 };
    book.add(a, dns);
    book.add(b, dns);
    book.markTried(a);
    expect(book.get(a)).toMatchObject({ state: 'tried', attempts: 1, lastTried: now });
    book.markFailed(a);
    expect(book.get(a)).toMatchObject({ state: 'failed', failures: 1 });
    expect(book.pick()?.host).toBe(b.host); // untried first
    book.markTried(b);
    book.markGood(b);
    expect(book.get(b)).toMatchObject({ state: 'good', failures: 0, lastGood: now });
    expect(book.pick()).toBeUndefined(); // both tried just now
    now += RETRY_INTERVAL_MS;
    expect(book.pick()).toBeDefined();
    for (let i = 1; i < MAX_FAILURES; i++) {
      book.markTried(a);
      book.markFailed(a);
    }
    expect(book.get(a)!.failures).toBe(MAX_FAILURES);
    now += RETRY_INTERVAL_MS;
    expect(book.pick((x) => x.host === b.host)).toBeUndefined(); // a failed too often, b excluded
    book.markGood(a);
    expect(book.pick((x) => x.host === b.host)?.host).toBe(a.host);
  });

  test('marking unknown addresses is a no-op; remove forgets', () => {
    const book = new AddressBook();
    book.markTried({ host: '10.0.0.9', port: 1 });
    book.markFailed({ host: '10.0.0.9', port: 1 });
    book.markGood({ host: '10.0.0.9', port: 1 });
    expect(book.size).toBe(0);
    book.add({ host: '10.0.0.9', port: 1 }, dns);
    expect(book.remove({ host: '10.0.0.9', port: 1 })).toBe(true);
    expect(book.has({ host: '10.0.0.9', port: 1 })).toBe(false);
  });

  test(`a gossip flood stays within ${MAX_ADDRESS_BOOK_ENTRIES} entries and displaces mostly the flooder's own`, () => {
    const book = new AddressBook({ random: () => 0.5 });
    for (let i = 0; i < 100; i++) book.add({ host: `192.168.0.${i}`, port: 18333 }, dns);
    for (let i = 0; i < 20; i++) {
      const a = { host: `172.16.0.${i}`, port: 18333 };
      book.add(a, { kind: 'manual' });
      book.markTried(a);
      book.markGood(a);
    }
    for (let batch = 0; batch < 10; batch++)
      book.addGossip(
        Array.from({ length: 1000 }, (_, i) => ({ host: v4(batch * 1000 + i), port: 18333 })),
        'flooder',
      );
    expect(book.size).toBe(MAX_ADDRESS_BOOK_ENTRIES);
    const entries = book.entries();
    expect(entries.filter((e) => e.state === 'good')).toHaveLength(20);
    expect(entries.filter((e) => e.source.kind === 'dns').length).toBeGreaterThanOrEqual(99);
  });

  test('entries failing MAX_FAILURES times are evicted before untried ones', () => {
    const book = new AddressBook({ maxEntries: 3 });
    const bad = { host: '10.0.0.1', port: 1 };
    book.add(bad, dns);
    book.add({ host: '10.0.0.2', port: 1 }, dns);
    book.add({ host: '10.0.0.3', port: 1 }, dns);
    for (let i = 0; i < MAX_FAILURES; i++) {
      book.markTried(bad);
      book.markFailed(bad);
    }
    expect(book.add({ host: '10.0.0.4', port: 1 }, dns)).toBe(true);
    expect(book.has(bad)).toBe(false);
    expect(book.size).toBe(3);
  });

  test('a book full of good entries refuses new ones', () => {
    const book = new AddressBook({ maxEntries: 2 });
    for (const host of ['10.0.0.1', '10.0.0.2']) {
      book.add({ host, port: 1 }, dns);
      book.markGood({ host, port: 1 });
    }
    expect(book.add({ host: '10.0.0.3', port: 1 }, dns)).toBe(false);
    expect(book.size).toBe(2);
  });

  test('property: any sequence of operations keeps the cap and never evicts a good entry', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('gossip' as const), peer: fc.integer({ min: 0, max: 3 }), hosts: fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }) }),
      fc.record({ kind: fc.constantFrom('tried' as const, 'failed' as const, 'good' as const), host: fc.integer({ min: 0, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        let r = 0;
        const book = new AddressBook({ maxEntries: max, random: () => (r = (r + 0.37) % 1) });
        const good = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'gossip') book.addGossip(o.hosts.map((h) => ({ host: v4(h), port: 1 })), `p${o.peer}`);
          else {
            const a = { host: v4(o.host), port: 1 };
            if (!book.has(a)) continue;
            if (o.kind === 'tried') book.markTried(a);
            if (o.kind === 'failed') {
              book.markFailed(a);
              good.delete(a.host);
            }
            if (o.kind === 'good') {
              book.markGood(a);
              good.add(a.host);
            }
          }
          if (book.size > max) return false;
          for (const h of good) if (!book.has({ host: h, port: 1 })) return false;
        }
        return true;
      }),
    );
  });
});
