// Canonical IP text (RFC 5952) used for host+port deduplication, checked against the WHATWG
// URL serialiser on random addresses, and the dialable-address rule.
import fc from 'fast-check';
import { addressKey, canonicalIp, dialableIp, isCjdns } from '../../src/discovery/host.js';

const viaUrl = (v6: string): string => new URL(`http://[${v6}]/`).hostname.slice(1, -1);

describe('canonicalIp', () => {
  test.each([
    ['1.2.3.4', '1.2.3.4', 4],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6], // a single zero group is not compressed
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['1::', '1::', 6],
    ['::ffff:1.2.3.4', '1.2.3.4', 4],
    ['::FFFF:7f00:1', '127.0.0.1', 4],
    ['::1.2.3.4', '::102:304', 6],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6],
  ])('%s → %s', (input, host, family) => {
    expect(canonicalIp(input)).toEqual({ host, family });
  });

  test.each(['example.test', '', '1.2.3', '01.2.3.4', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8:9'])('%j is not an IP literal', (input) => {
    expect(canonicalIp(input)).toBeUndefined();
  });

  test('property: agrees with the WHATWG URL serialiser for any IPv6 spelling', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.boolean(), fc.boolean(), (groups, upper, padded) => {
        let text = groups.map((g) => (padded ? g.toString(16).padStart(4, '0') : g.toString(16))).join(':');
        if (upper) text = text.toUpperCase();
        const got = canonicalIp(text)!;
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        if (mapped) return got.family === 4;
        return got.family === 6 && got.host === viaUrl(text) && canonicalIp(got.host)!.host === got.host;
      }),
    );
  });
});

describe('dialableIp / isCjdns / addressKey', () => {
  test('CJDNS (fc00::/8) is not dialable; fd00::/8 and 00fc:: are ordinary IPv6', () => {
    expect(isCjdns('fc10:efa7::1')).toBe(true);
    expect(dialableIp('FC10:EFA7::1')).toBeUndefined();
    expect(dialableIp('fd00::1')).toEqual({ host: 'fd00::1', family: 6 });
    expect(dialableIp('fc::1')).toEqual({ host: 'fc::1', family: 6 });
    expect(dialableIp('x.onion')).toBeUndefined();
  });

  test('addressKey equates spellings of one address and separates ports', () => {
    expect(addressKey('2001:DB8::0:1', 1)).toBe(addressKey('2001:db8::1', 1));
    expect(addressKey('::ffff:10.0.0.1', 1)).toBe(addressKey('10.0.0.1', 1));
    expect(addressKey('10.0.0.1', 1)).not.toBe(addressKey('10.0.0.1', 2));
  });
});
