// Addresses: BIP173 and BIP350 test vectors (valid and invalid, copied from the BIP texts),
// Bitcoin Core key_io_valid.json entries per network (base58 and bech32/bech32m), round trips,
// and the wrong-network errors the CLI shows before any network traffic.
import fc from 'fast-check';
import { bech32, bech32m } from '@scure/base';
import {
  addressNetworks,
  decodeAddress,
  encodeAddress,
  p2pkhScript,
  p2shScript,
  scriptAddressType,
  witnessScript,
  type AddressType,
} from '../../src/wallet/address.js';
import { AddressError } from '../../src/wallet/errors.js';
import { NETWORKS, type NetworkName } from '../../src/params/networks.js';
import { UsageError } from '../../src/util/errors.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { errorCode } from '../helpers/errors.js';

const { mainnet, testnet3, testnet4, signet, regtest } = NETWORKS;

const codeOf = (fn: () => unknown): string | undefined => errorCode(AddressError, fn);

function errorOf(fn: () => unknown): AddressError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AddressError) return e;
    throw e;
  }
  throw new Error('expected an AddressError');
}

const netOfHrp = (a: string) => (a.toLowerCase().startsWith('bcrt1') ? regtest : a.toLowerCase().startsWith('tb1') ? testnet4 : mainnet);

describe('BIP350 segwit address vectors', () => {
  // BIP350 "Test vectors for v0-v16 native segregated witness addresses": address -> scriptPubKey.
  const VALID: [string, string][] = [
    ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
    ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6'],
    ['BC1SW50QGDZ25J', '6002751e'],
    ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', '5210751e76e8199196d454941c45d1b3a323'],
    ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
    ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
  ];
  const TYPES: AddressType[] = ['p2wpkh', 'p2wsh', 'witness_unknown', 'witness_unknown', 'witness_unknown', 'p2wsh', 'p2tr', 'p2tr'];

  test.each(VALID.map(([a, s], i) => [a, s, TYPES[i]] as const))('valid: %s', (addr, script, type) => {
    const params = netOfHrp(addr);
    const d = decodeAddress(addr, params);
    expect(toHex(d.script)).toBe(script);
    expect(d.type).toBe(type);
    expect(encodeAddress(d.script, params)).toBe(addr.toLowerCase());
  });

  // BIP350 invalid segwit addresses, with the reason the BIP gives -> our code.
  const INVALID: [string, string, string][] = [
    ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'invalid human-readable part', 'unknown_prefix'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'bech32 instead of bech32m', 'wrong_checksum_variant'],
    ['tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'bech32 instead of bech32m', 'wrong_checksum_variant'],
    ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'bech32 instead of bech32m', 'wrong_checksum_variant'],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'bech32m instead of bech32', 'wrong_checksum_variant'],
    ['tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', 'bech32m instead of bech32', 'wrong_checksum_variant'],
    ['bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'invalid character in checksum', 'bad_character'],
    ['BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'invalid witness version', 'bad_witness_version'],
    ['bc1pw5dgrnzv', 'invalid program length (1 byte)', 'bad_program_length'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'invalid program length (41 bytes)', 'bad_program_length'],
    ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'invalid program length for witness version 0', 'bad_program_length'],
    ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'mixed case', 'mixed_case'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'zero padding of more than 4 bits', 'bad_padding'],
    ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'non-zero padding in 8-to-5 conversion', 'bad_padding'],
    ['bc1gmk9yu', 'empty data section', 'bad_length'],
  ];

  test.each(INVALID)('invalid: %s (%s)', (addr, _reason, code) => {
    // Checked against every network: none may accept it, and the reason must not depend on it
    // except for the network check itself.
    expect(codeOf(() => decodeAddress(addr, netOfHrp(addr)))).toBe(code);
    for (const n of Object.values(NETWORKS)) expect(() => decodeAddress(addr, n)).toThrow(AddressError);
  });
});

describe('BIP173 vectors', () => {
  test('valid v0 addresses (unchanged by BIP350)', () => {
    expect(toHex(decodeAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', mainnet).script)).toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
    expect(toHex(decodeAddress('tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', testnet3).script)).toBe(
      '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    );
  });

  test('BIP173 v1+ addresses (bech32 checksums) are invalid since BIP350', () => {
    for (const a of ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx', 'BC1SW50QA3JX3S', 'bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj']) {
      expect(codeOf(() => decodeAddress(a, mainnet))).toBe('wrong_checksum_variant');
    }
  });

  const INVALID: [string, string, string[]][] = [
    ['tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty', 'invalid human-readable part', ['unknown_prefix']],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'invalid checksum', ['bad_checksum']],
    ['BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2', 'invalid witness version', ['bad_witness_version']],
    ['bc1rw5uspcuh', 'invalid program length', ['bad_program_length', 'wrong_checksum_variant']],
    ['bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90', 'invalid program length', ['bad_program_length', 'wrong_checksum_variant']],
    ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'invalid program length for witness version 0', ['bad_program_length']],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'mixed case', ['mixed_case']],
    ['bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', 'zero padding of more than 4 bits', ['bad_padding', 'wrong_checksum_variant']],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv', 'non-zero padding in 8-to-5 conversion', ['bad_padding']],
    ['bc1gmk9yu', 'empty data section', ['bad_length']],
  ];

  test.each(INVALID)('invalid: %s (%s)', (addr, _reason, codes) => {
    expect(codes).toContain(codeOf(() => decodeAddress(addr, netOfHrp(addr))));
  });
});

describe('bech32 / bech32m string vectors (the @scure/base codec we rely on)', () => {
  // BIP173 and BIP350 "Test vectors": each valid string is valid in exactly one variant.
  const BECH32 = [
    'A12UEL5L',
    'a12uel5l',
    'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
    'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
    '11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j',
    'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w',
    '?1ezyfcl',
  ];
  const BECH32M = [
    'A1LQFN3A',
    'a1lqfn3a',
    'an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6',
    'abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx',
    '11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8',
    'split1checkupstagehandshakeupstreamerranterredcaperredlc445v',
    '?1v759aa',
  ];
  const INVALID_BOTH = [
    '\x201nwldj5', '\x7f1axkwrx', '\x801eym55h',
    'an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx',
    'pzry9x0s0muk', '1pzry9x0s0muk', 'x1b4n0q5v', 'li1dgmt3', 'de1lg7wt\xff', 'A1G7SGD8', '10a06t8', '1qzzfhee',
    '\x201xj0phk', '\x7f1g6xzxy', '\x801vctc34',
    'an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4',
    'qyrz8wqd2c9m', '1qyrz8wqd2c9m', 'y1b0jsk6g', 'lt1igcx5c0', 'in1muywd', 'mm1crxm3i', 'au1s5cgom', 'M1VUXWEZ', '16plkw9', '1p2gdwpf',
  ];

  test('valid strings decode in exactly their own variant', () => {
    for (const s of BECH32) {
      expect(bech32.decodeUnsafe(s)).toBeTruthy();
      expect(bech32m.decodeUnsafe(s)).toBeFalsy();
    }
    for (const s of BECH32M) {
      expect(bech32m.decodeUnsafe(s)).toBeTruthy();
      expect(bech32.decodeUnsafe(s)).toBeFalsy();
    }
  });

  test('invalid strings decode in neither variant, and are not addresses', () => {
    for (const s of INVALID_BOTH) {
      expect(bech32.decodeUnsafe(s)).toBeFalsy();
      expect(bech32m.decodeUnsafe(s)).toBeFalsy();
      expect(() => decodeAddress(s, mainnet)).toThrow(AddressError);
    }
  });
});

describe('Bitcoin Core key_io_valid.json entries (per network)', () => {
  // [address, scriptPubKey, chain] from bitcoin/bitcoin src/test/data/key_io_valid.json.
  const CASES: [string, string, NetworkName][] = [
    ['1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo', '76a914a31c06bd463e3923bc1aadbde48b16976c08071788ac', 'mainnet'],
    ['36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm', 'a914373b819a068f32b7a6b38b6b38729647cfde01c287', 'mainnet'],
    ['mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ', '76a914ce28b26c57472737f5c3561a1761185bd8589a4388ac', 'testnet4'],
    ['2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK', 'a914ce0bba75891ff9ec60148d4bd4a09ee2dc5c933187', 'testnet4'],
    ['mww4LvqtTMKvmeQvizPz2EQv26xTneWrbg', '76a914b4110ba93ac54afc14da3bdd19614774a2d55d2988ac', 'signet'],
    ['2N1r7aC69VHeE7yQJPDLi9T1PYq4wnwvjuT', 'a9145e5a35ab44b3efaea5129ba22b88ba3e2976614587', 'signet'],
    ['n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ', '76a914fdeca3b08e38af53d7c4c60e3ad208ce5066441088ac', 'regtest'],
    ['2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA', 'a91436e9f191e0b75036a77f65e2eaa4752443233fbe87', 'regtest'],
    ['bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv', '00146100fc6343edc8c874496cb2f5bbfec88ea9b77c', 'mainnet'],
    ['bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7', '002027304b37f70e94bc8a0fbf500e0c957a80ebda87280ef58214d92f119811acdc', 'mainnet'],
    ['bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu', '51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75', 'mainnet'],
    ['bc1z2rksukkjr8', '520250ed', 'mainnet'],
    ['tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54', '0014c0ef1202759fff90ff19128936814321ee59e111', 'testnet4'],
    ['tb1p35n52jy6xkm4wd905tdy8qtagrn73kqdz73xe4zxpvq9t3fp50aqk3s6gz', '51208d2745489a35b75734afa2da43817d40e7e8d80d17a26cd4460b0055c521a3fa', 'testnet4'],
    ['tb1rgv5m6uvdk3kc7qsuz0c79v88ycr5w4wa', '53104329bd718db46d8f021c13f1e2b0e726', 'testnet4'],
    ['tb1q3vya2h5435jkugq2few7dmktlrwq4ejmfaw7kr', '00148b09d55e958d256e200a4e5de6eecbf8dc0ae65b', 'signet'],
    ['tb1pae5um27ahn8n73pgexe3kcwlp8dhswpn684h2k2w6t9a7w3eq65qephd5y', '5120ee69cdabddbccf3f4428c9b31b61df09db783833d1eb75594ed2cbdf3a3906a8', 'signet'],
    ['bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9', '00146f58bac9506f9bfb821d62e69330410bb56f0085', 'regtest'],
    ['bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv', '0020ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2', 'regtest'],
    ['bcrt1pfwxjqvtt4tcxrtdluukfmy2dv7xd2qzdfy6kajv5nwn4yam3wxkq3553uh', '51204b8d20316baaf061adbfe72c9d914d678cd5004d49356ec9949ba752777171ac', 'regtest'],
    ['bcrt1sx6p8njlx7h9mc2agz4yg82dzne23050ncq72cneeecez2pst8mahn8xecsf8g6hzx94420', '6028368279cbe6f5cbbc2ba8154883a9a29e5517d1f3c03cac4f39ce3225060b3efb799cd9c412746ae2', 'regtest'],
  ];

  test.each(CASES)('%s on %s', (addr, script, chain) => {
    const params = NETWORKS[chain];
    const d = decodeAddress(addr, params);
    expect(toHex(d.script)).toBe(script);
    expect(d.type).toBe(scriptAddressType(d.script));
    expect(encodeAddress(d.script, params)).toBe(addr);
    // Bech32 addresses are case-insensitive as a whole ("tryCaseFlip").
    if (!/^[123mn]/.test(addr)) expect(toHex(decodeAddress(addr.toUpperCase(), params).script)).toBe(script);
  });
});

describe('wrong network', () => {
  test('a mainnet bech32 address on testnet4 names mainnet', () => {
    const e = errorOf(() => decodeAddress('bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv', testnet4));
    expect(e.code).toBe('wrong_network');
    expect(e.message).toBe('address bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv is for mainnet, not testnet4 (the chosen network)');
    expect(e).toBeInstanceOf(UsageError);
  });

  test('a tb1 address on mainnet or regtest names the three test networks sharing "tb"', () => {
    for (const n of [mainnet, regtest]) {
      const e = errorOf(() => decodeAddress('tb1p35n52jy6xkm4wd905tdy8qtagrn73kqdz73xe4zxpvq9t3fp50aqk3s6gz', n));
      expect(e.code).toBe('wrong_network');
      expect(e.message).toContain('is for testnet3, testnet4 or signet');
    }
  });

  test('a bcrt1 address on signet names regtest', () => {
    expect(errorOf(() => decodeAddress('bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9', signet)).message).toContain('is for regtest, not signet');
  });

  test('base58: mainnet on testnet and test-network addresses on mainnet', () => {
    expect(errorOf(() => decodeAddress('1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo', testnet3)).message).toContain('is for mainnet, not testnet3');
    expect(errorOf(() => decodeAddress('36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm', regtest)).code).toBe('wrong_network');
    const e = errorOf(() => decodeAddress('2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK', mainnet));
    expect(e.code).toBe('wrong_network');
    expect(e.message).toContain('is for testnet3, testnet4, signet or regtest, not mainnet');
  });

  test('base58 test-network addresses are valid on every test network (shared version bytes)', () => {
    for (const n of [testnet3, testnet4, signet, regtest]) expect(decodeAddress('mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ', n).type).toBe('p2pkh');
  });

  test('addressNetworks lists where an address is valid', () => {
    expect(addressNetworks('bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv')).toEqual(['mainnet']);
    expect(addressNetworks('tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54')).toEqual(['testnet3', 'testnet4', 'signet']);
    expect(addressNetworks('2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA')).toEqual(['testnet3', 'testnet4', 'signet', 'regtest']);
    expect(addressNetworks('nonsense')).toEqual([]);
  });
});

describe('malformed base58 and other input', () => {
  test('empty, bad characters, bad checksum, wrong length, unknown version', () => {
    expect(codeOf(() => decodeAddress('', mainnet))).toBe('empty');
    expect(codeOf(() => decodeAddress('1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2m0', mainnet))).toBe('bad_character'); // '0'
    expect(codeOf(() => decodeAddress(' 1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo', mainnet))).toBe('bad_character');
    expect(codeOf(() => decodeAddress('1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp', mainnet))).toBe('bad_checksum');
    expect(codeOf(() => decodeAddress('1', mainnet))).toBe('bad_length');
    // A valid Base58Check string whose payload is 32 bytes (a WIF-like length) is not an address.
    expect(codeOf(() => decodeAddress('5JuW2AMDYu4xVwRG9DZW18VbzQrGcd5RCgb99sS6ehJsNQXu5b9', mainnet))).toBe('bad_length');
    // Version byte 0x30 (Litecoin P2PKH) with a valid checksum.
    const ltc = encodeAddress(p2pkhScript(new Uint8Array(20).fill(7)), { ...mainnet, base58Pubkey: 0x30 });
    expect(codeOf(() => decodeAddress(ltc, mainnet))).toBe('unknown_prefix');
    expect(codeOf(() => decodeAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4€', mainnet))).toBe('bad_character');
    expect(codeOf(() => decodeAddress('bc1q' + 'q'.repeat(90), mainnet))).toBe('bad_length');
  });

  test('encodeAddress refuses scripts with no address form', () => {
    const p2pk = fromHex('2103f268e9ae07e0f8cb2f6e901d87c510d650b97230c0365b021df8f467363cafb1ac');
    for (const s of [p2pk, fromHex('6a0401020304'), new Uint8Array(0), fromHex('0019' + '00'.repeat(25)), fromHex('5101ff'), fromHex('0014' + '00'.repeat(19))]) {
      expect(codeOf(() => encodeAddress(s, mainnet))).toBe('unsupported_script');
      expect(scriptAddressType(s)).toBeUndefined();
    }
  });
});

describe('round trips (property)', () => {
  const nets = fc.constantFrom(mainnet, testnet3, testnet4, signet, regtest);

  test('P2PKH, P2SH, P2WPKH, P2WSH, P2TR and unknown witness versions', () => {
    const script = fc.oneof(
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => ({ s: p2pkhScript(h), t: 'p2pkh' as AddressType })),
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => ({ s: p2shScript(h), t: 'p2sh' as AddressType })),
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => ({ s: witnessScript(0, h), t: 'p2wpkh' as AddressType })),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => ({ s: witnessScript(0, h), t: 'p2wsh' as AddressType })),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => ({ s: witnessScript(1, h), t: 'p2tr' as AddressType })),
      fc
        .tuple(fc.integer({ min: 1, max: 16 }), fc.uint8Array({ minLength: 2, maxLength: 40 }))
        .filter(([v, p]) => !(v === 1 && p.length === 32))
        .map(([v, p]) => ({ s: witnessScript(v, p), t: 'witness_unknown' as AddressType })),
    );
    fc.assert(
      fc.property(script, nets, ({ s, t }, params) => {
        const addr = encodeAddress(s, params);
        const d = decodeAddress(addr, params);
        expect(d.type).toBe(t);
        expect(toHex(d.script)).toBe(toHex(s));
        // Never valid on a network with other prefixes.
        for (const other of [mainnet, regtest, testnet4]) {
          const sameBech32 = other.bech32Hrp === params.bech32Hrp;
          const sameBase58 = other.base58Pubkey === params.base58Pubkey;
          const isBase58 = t === 'p2pkh' || t === 'p2sh';
          if (isBase58 ? !sameBase58 : !sameBech32) expect(codeOf(() => decodeAddress(addr, other))).toBe('wrong_network');
        }
      }),
      { numRuns: 400 },
    );
  });

  test('random strings never throw anything but AddressError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^(bc|tb|bcrt)1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{6,80}$/)), (s) => {
        codeOf(() => decodeAddress(s, mainnet));
      }),
      { numRuns: 1000 },
    );
  });
});
