// Core's -capturemessages record format (shared/reference/capture.md): the reference's worked
// example byte for byte, parsing back, torn tails, and Core's per-peer folder names.
import { fromHex, toHex, concatBytes } from '../../src/util/bytes.js';
import { encodePayload } from '../../src/wire/envelope.js';
import { CAPTURE_RECORD_HEADER_SIZE, captureDirName, encodeCaptureRecord, parseCaptureFile } from '../../src/wire/capture.js';

// capture.md section 2: a ping (nonce 0x0123456789abcdef) at 1,735,689,600,000,000 us, then a
// verack 250 us later, in msgs_sent.dat: 32 + 24 = 56 bytes.
const WORKED_EXAMPLE =
  '00600cba992a0600' + '70696e670000000000000000' + '08000000' + 'efcdab8967452301' +
  'fa600cba992a0600' + '76657261636b000000000000' + '00000000';

test("the reference's worked example, byte for byte", () => {
  const t = 1_735_689_600_000_000n;
  const bytes = concatBytes([
    encodeCaptureRecord(t, 'ping', encodePayload({ command: 'ping', nonce: 0x0123456789abcdefn })),
    encodeCaptureRecord(t + 250n, 'verack', encodePayload({ command: 'verack' })),
  ]);
  expect(bytes.length).toBe(56);
  expect(toHex(bytes)).toBe(WORKED_EXAMPLE);
});

test('parsing gives the records back, offsets and all', () => {
  const p = parseCaptureFile(fromHex(WORKED_EXAMPLE));
  expect(p.tornBytes).toBe(0);
  expect(p.validLength).toBe(56);
  expect(p.records.map((r) => [r.timeUs, r.command, toHex(r.payload), r.offset])).toEqual([
    [1_735_689_600_000_000n, 'ping', 'efcdab8967452301', 0],
    [1_735_689_600_000_250n, 'verack', '', 32],
  ]);
});

test('a record cut short at the end (a torn write) is reported, the whole ones kept', () => {
  const whole = fromHex(WORKED_EXAMPLE);
  // The verack record is a bare 24-byte header: cut it anywhere short of that.
  for (const cut of [1, 10, CAPTURE_RECORD_HEADER_SIZE - 1]) {
    const p = parseCaptureFile(whole.subarray(0, 32 + cut));
    expect(p.records).toHaveLength(1);
    expect(p.validLength).toBe(32);
    expect(p.tornBytes).toBeGreaterThan(0);
  }
  // A length field that lies (points past the end) is a torn tail too, never an allocation.
  const liar = Uint8Array.from(whole);
  new DataView(liar.buffer).setUint32(32 + 20, 0xffffffff, true);
  expect(parseCaptureFile(liar)).toMatchObject({ validLength: 32, tornBytes: 24 });
});

test("a message type that is not printable ASCII reads as Core's parser says: UNREADABLE", () => {
  const rec = Uint8Array.from(fromHex(WORKED_EXAMPLE).subarray(0, 32));
  rec[9] = 0x01;
  expect(parseCaptureFile(rec).records[0]!.command).toBe('UNREADABLE');
});

test("per-peer folders are named as Core names them (':' -> '_')", () => {
  expect(captureDirName('203.0.113.5', 18333)).toBe('203.0.113.5_18333');
  expect(captureDirName('2001:db8::1', 48333)).toBe('[2001_db8__1]_48333');
  expect(captureDirName('127.0.0.1', 18444)).toBe('127.0.0.1_18444');
});

test('a message type longer than 12 characters cannot be written', () => {
  expect(() => encodeCaptureRecord(0n, 'thirteenchars', new Uint8Array(0))).toThrow(/bad message type/);
});
