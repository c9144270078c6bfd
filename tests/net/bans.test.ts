// The ban list stays bounded: expired bans are swept as new ones come in (not only when their
// host is looked up again), and past MAX_BANNED_HOSTS the ban that ends soonest is forgotten.
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { BAN_DURATION_MS, MAX_BANNED_HOSTS, PeerManager } from '../../src/net/peer-manager.js';
import { bitcoinCodec } from '../../src/wire/frame-decoder.js';
import { BitcoinProtocol } from '../../src/bitcoin/protocol.js';

const host = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('expired bans are swept when new bans come in, without looking their hosts up', () => {
  let now = 1_000_000;
  const { manager } = createBitcoinNode({ params: NETWORKS.regtest, now: () => now });
  for (let i = 0; i < 1000; i++) manager.ban(host(i), 'test', 'flood of bans');
  expect(manager.bannedCount).toBe(1000);
  now += BAN_DURATION_MS + 1;
  manager.ban(host(5000), 'test', 'one more');
  expect(manager.bannedCount).toBe(1);
  expect(manager.banFor(host(5000))).toBeDefined();
  expect(manager.banFor(host(1))).toBeUndefined();
});

test('the ban list never holds more than its cap; the ban ending soonest goes first', () => {
  let now = 0;
  const manager = new PeerManager({ codec: bitcoinCodec(NETWORKS.regtest.magic), protocol: new BitcoinProtocol({ params: NETWORKS.regtest, startHeight: () => 0 }), now: () => now, maxBannedHosts: 100 });
  let most = 0;
  for (let i = 0; i < 10_000; i++) {
    now++;
    manager.ban(host(i), 'test', 'flood of bans');
    most = Math.max(most, manager.bannedCount);
  }
  expect(most).toBe(100);
  expect(manager.banFor(host(9_999))).toBeDefined();
  expect(manager.banFor(host(9_900))).toBeDefined();
  expect(manager.banFor(host(9_899))).toBeUndefined();
  // Banning a host again renews it (it is not forgotten as the oldest).
  manager.ban(host(9_900), 'test', 'again');
  now++;
  manager.ban(host(20_000), 'test', 'new');
  expect(manager.banFor(host(9_900))).toBeDefined();
  expect(manager.banFor(host(9_901))).toBeUndefined();
  expect(MAX_BANNED_HOSTS).toBe(50_000);
});
