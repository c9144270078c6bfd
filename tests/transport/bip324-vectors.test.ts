// BIP324's own test vectors, every row: ElligatorSwift decoding (76), the XSwiftEC inverse
// (32 × 8 cases), and packet encoding (7 rows: ECDH, shared secret, HKDF keys, terminators,
// session id, and the packet after in_idx earlier packets, which crosses the rekey points),
// plus the short message ID table.
import { createECDH } from 'node:crypto';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { NETWORKS } from '../../src/params/networks.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { Bip324Cipher } from '../../src/transport/v2/cipher.js';
import { decodeEllswift, deriveKeys, generateKey, KeyPool, sharedSecret, xOnlyEcdh } from '../../src/transport/v2/keys.js';
import { SHORT_ID_TYPES, shortIdFor, typeForShortId } from '../../src/transport/v2/short-ids.js';
import { NobleBip324Cipher } from '../helpers/bip324-noble.js';
import { readCsv, readShortIds } from './vectors.js';

const big = (hex: string): bigint => BigInt(`0x${hex}`);

describe('ellswift_decode_test_vectors.csv', () => {
  const rows = readCsv('ellswift_decode_test_vectors.csv');
  test('has the 76 rows', () => expect(rows.length).toBe(76));
  test.each(rows.map((r, i) => [i, r] as const))('row %i decodes to its x', (_i, r) => {
    expect(toHex(decodeEllswift(fromHex(r.ellswift!)))).toBe(r.x);
  });
});

describe('xswiftec_inv_test_vectors.csv', () => {
  const rows = readCsv('xswiftec_inv_test_vectors.csv');
  test('has the 32 rows', () => expect(rows.length).toBe(32));
  test.each(rows.map((r, i) => [i, r] as const))('row %i: every case gives the listed t (or none), and (u, t) decodes to x', (_i, r) => {
    for (let c = 0; c < 8; c++) {
      const want = r[`case${c}_t`]!;
      const t = elligatorSwift._inv(big(r.x!), big(r.u!), c);
      if (want === '') expect(t).toBeUndefined();
      else {
        expect(typeof t).toBe('bigint');
        expect((t as bigint).toString(16).padStart(64, '0')).toBe(want);
        expect(toHex(decodeEllswift(fromHex(r.u! + want)))).toBe(r.x);
      }
    }
  });
});

describe('packet_encoding_test_vectors.csv', () => {
  const rows = readCsv('packet_encoding_test_vectors.csv');
  const magic = NETWORKS.mainnet.magic; // every row uses the mainnet magic in the salt
  test('has the 7 rows', () => expect(rows.length).toBe(7));

  test.each(rows.map((r, i) => [i, r] as const))('row %i: keys, session id and the packet', (_i, r) => {
    const initiator = r.in_initiating === '1';
    const ours = { privateKey: fromHex(r.in_priv_ours!), ellswift: fromHex(r.in_ellswift_ours!) };
    const theirs = fromHex(r.in_ellswift_theirs!);
    expect(toHex(decodeEllswift(ours.ellswift))).toBe(r.mid_x_ours);
    expect(toHex(decodeEllswift(theirs))).toBe(r.mid_x_theirs);
    expect(toHex(xOnlyEcdh(ours.privateKey, theirs))).toBe(r.mid_x_shared);
    expect(toHex(elligatorSwift.getSharedSecret(ours.privateKey, theirs))).toBe(r.mid_x_shared); // scure's pure-JS path agrees
    expect(toHex(sharedSecret(ours, theirs, initiator))).toBe(r.mid_shared_secret);
    expect(toHex(elligatorSwift.getSharedSecretBip324(ours.privateKey, theirs, ours.ellswift, initiator))).toBe(r.mid_shared_secret);

    const keys = deriveKeys(ours, theirs, initiator, magic);
    expect(toHex(keys.sharedSecret)).toBe(r.mid_shared_secret);
    expect(toHex(keys.initiatorL)).toBe(r.mid_initiator_l);
    expect(toHex(keys.initiatorP)).toBe(r.mid_initiator_p);
    expect(toHex(keys.responderL)).toBe(r.mid_responder_l);
    expect(toHex(keys.responderP)).toBe(r.mid_responder_p);
    expect(toHex(keys.sessionId)).toBe(r.out_session_id);

    const sender = new Bip324Cipher(keys, initiator);
    expect(toHex(sender.sendTerminator)).toBe(r.mid_send_garbage_terminator);
    expect(toHex(sender.recvTerminator)).toBe(r.mid_recv_garbage_terminator);
    expect(toHex(sender.sessionId)).toBe(r.out_session_id);

    // The other end of the same connection decrypts what we send, across the same rekeys.
    const receiver = new Bip324Cipher(keys, !initiator);
    const idx = Number(r.in_idx);
    for (let i = 0; i < idx; i++) {
      const p = sender.encrypt([], new Uint8Array(0));
      expect(receiver.decryptLength(p)).toBe(0);
      expect(receiver.decrypt(p.subarray(3), new Uint8Array(0))?.contents.length).toBe(0);
    }
    const unit = fromHex(r.in_contents!);
    const times = Number(r.in_multiply);
    const contents = new Uint8Array(unit.length * times);
    for (let i = 0; i < times; i++) contents.set(unit, i * unit.length);
    const aad = fromHex(r.in_aad!);
    const ignore = r.in_ignore === '1';
    const packet = sender.encrypt([contents], aad, ignore);
    if (r.out_ciphertext) expect(toHex(packet)).toBe(r.out_ciphertext);
    if (r.out_ciphertext_endswith) expect(toHex(packet.subarray(packet.length - r.out_ciphertext_endswith.length / 2))).toBe(r.out_ciphertext_endswith);

    expect(receiver.decryptLength(packet)).toBe(contents.length);
    const opened = receiver.decrypt(packet.subarray(3), aad);
    expect(opened?.ignore).toBe(ignore);
    expect(Buffer.compare(Buffer.from(opened!.contents), Buffer.from(contents))).toBe(0);
  });

  // The candidate not chosen (the same ciphers on @noble/ciphers) passes every row too, and each
  // side decrypts the other's packets: the choice between them is speed alone (v2transport bench).
  test.each(rows.map((r, i) => [i, r] as const))('row %i on @noble/ciphers: the same packet, and the two implementations interoperate', (_i, r) => {
    const initiator = r.in_initiating === '1';
    const keys = deriveKeys({ privateKey: fromHex(r.in_priv_ours!), ellswift: fromHex(r.in_ellswift_ours!) }, fromHex(r.in_ellswift_theirs!), initiator, magic);
    const noble = new NobleBip324Cipher(keys, initiator);
    const nodeRx = new Bip324Cipher(keys, !initiator);
    for (let i = 0; i < Number(r.in_idx); i++) {
      const p = noble.encrypt([], new Uint8Array(0));
      expect(nodeRx.decryptLength(p)).toBe(0);
      expect(nodeRx.decrypt(p.subarray(3), new Uint8Array(0))).toBeDefined();
    }
    const unit = fromHex(r.in_contents!);
    const contents = new Uint8Array(unit.length * Number(r.in_multiply));
    for (let i = 0; i < Number(r.in_multiply); i++) contents.set(unit, i * unit.length);
    const aad = fromHex(r.in_aad!);
    const packet = noble.encrypt([contents], aad, r.in_ignore === '1');
    if (r.out_ciphertext) expect(toHex(packet)).toBe(r.out_ciphertext);
    if (r.out_ciphertext_endswith) expect(toHex(packet.subarray(packet.length - r.out_ciphertext_endswith.length / 2))).toBe(r.out_ciphertext_endswith);
    expect(nodeRx.decryptLength(packet)).toBe(contents.length);
    expect(Buffer.compare(Buffer.from(nodeRx.decrypt(packet.subarray(3), aad)!.contents), Buffer.from(contents))).toBe(0);
    // And the other way: node:crypto sends, @noble/ciphers receives (a tampered packet fails there too).
    const nodeTx = new Bip324Cipher(keys, initiator);
    const nobleRx = new NobleBip324Cipher(keys, !initiator);
    const sent = nodeTx.encrypt([contents], aad);
    expect(nobleRx.decryptLength(sent)).toBe(contents.length);
    const bad = Uint8Array.from(sent);
    bad[bad.length - 1]! ^= 1;
    const tamperedRx = new NobleBip324Cipher(keys, !initiator);
    tamperedRx.decryptLength(bad);
    expect(tamperedRx.decrypt(bad.subarray(3), aad)).toBeUndefined();
    expect(Buffer.compare(Buffer.from(nobleRx.decrypt(sent.subarray(3), aad)!.contents), Buffer.from(contents))).toBe(0);
  });

  test('a flipped bit anywhere after the length, or the wrong AAD, fails the tag', () => {
    const r = rows[0]!;
    const keys = deriveKeys({ privateKey: fromHex(r.in_priv_ours!), ellswift: fromHex(r.in_ellswift_ours!) }, fromHex(r.in_ellswift_theirs!), true, magic);
    const packet = new Bip324Cipher(keys, true).encrypt([fromHex('8e')], new Uint8Array(0));
    for (let at = 3; at < packet.length; at++) {
      const rx = new Bip324Cipher(keys, false);
      const bad = Uint8Array.from(packet);
      bad[at]! ^= 0x01;
      rx.decryptLength(bad);
      expect(rx.decrypt(bad.subarray(3), new Uint8Array(0))).toBeUndefined();
    }
    const rx = new Bip324Cipher(keys, false);
    rx.decryptLength(packet);
    expect(rx.decrypt(packet.subarray(3), new Uint8Array([1]))).toBeUndefined();
  });

  test('another network magic gives other keys (peers on different networks fail at the first packet)', () => {
    const r = rows[0]!;
    const ours = { privateKey: fromHex(r.in_priv_ours!), ellswift: fromHex(r.in_ellswift_ours!) };
    const a = deriveKeys(ours, fromHex(r.in_ellswift_theirs!), true, magic);
    const b = deriveKeys(ours, fromHex(r.in_ellswift_theirs!), true, NETWORKS.regtest.magic);
    expect(toHex(a.sharedSecret)).toBe(toHex(b.sharedSecret));
    expect(toHex(a.sessionId)).not.toBe(toHex(b.sessionId));
  });
});

describe('key generation and ECDH (random keys: both ends agree, the encoding decodes to x(priv·G))', () => {
  test('20 random pairs: node:crypto ECDH = scure ECDH, both roles derive the same session', () => {
    const pool = new KeyPool();
    for (let i = 0; i < 20; i++) {
      const a = i % 2 ? pool.take() : generateKey();
      const b = generateKey();
      expect(toHex(xOnlyEcdh(a.privateKey, b.ellswift))).toBe(toHex(xOnlyEcdh(b.privateKey, a.ellswift)));
      expect(toHex(xOnlyEcdh(a.privateKey, b.ellswift))).toBe(toHex(elligatorSwift.getSharedSecret(a.privateKey, b.ellswift)));
      const ka = deriveKeys(a, b.ellswift, true, NETWORKS.regtest.magic);
      const kb = deriveKeys(b, a.ellswift, false, NETWORKS.regtest.magic);
      expect(toHex(ka.sessionId)).toBe(toHex(kb.sessionId));
      expect(toHex(ka.initiatorP)).toBe(toHex(kb.initiatorP));
    }
  });
  test('a pool never hands out the same key twice', () => {
    const pool = new KeyPool();
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(toHex(pool.take().privateKey));
    expect(seen.size).toBe(10);
  });
  test('a pool refills in idle time up to its size, and its keys are distinct and valid', async () => {
    const pool = new KeyPool(3);
    pool.fill();
    expect(pool.available).toBe(1);
    while (pool.available < 3) await new Promise((r) => setTimeout(r, 5));
    const keys = [pool.take(), pool.take(), pool.take()];
    expect(pool.available).toBe(0);
    expect(new Set(keys.map((k) => toHex(k.privateKey))).size).toBe(3);
    for (const k of keys) {
      const ecdh = createECDH('secp256k1');
      ecdh.setPrivateKey(k.privateKey);
      expect(toHex(decodeEllswift(k.ellswift))).toBe(ecdh.getPublicKey('hex', 'compressed').slice(2)); // the encoding is of x(priv·G)
    }
    while (pool.available < 3) await new Promise((r) => setTimeout(r, 5));
    expect(pool.available).toBe(3);
  });
});

describe('short_message_ids.json', () => {
  const ids = readShortIds();
  test('IDs 1–28 (the BIP text) match our table both ways', () => {
    const bip = ids.filter((e) => e.id >= 1 && e.id <= 28);
    expect(bip.length).toBe(28);
    expect(SHORT_ID_TYPES.length).toBe(29);
    for (const e of bip) {
      expect(typeForShortId(e.id)).toBe(e.message_type);
      expect(shortIdFor(e.message_type!)).toBe(e.id);
    }
  });
  test('0 and the auxiliary IDs (29+) are not short IDs we send or decode; their types go long-form', () => {
    expect(typeForShortId(0)).toBeUndefined();
    for (const e of ids.filter((x) => x.id >= 29)) {
      expect(typeForShortId(e.id)).toBeUndefined();
      expect(shortIdFor(e.message_type!)).toBeUndefined();
    }
    for (const t of ['version', 'verack', 'sendheaders', 'getaddr', 'wtxidrelay', 'sendaddrv2', 'sendtxrcncl']) expect(shortIdFor(t)).toBeUndefined();
  });
});
