// BIP158 test vectors (shared/reference/vectors/bip158-testnet-19.json, identical to Core's
// src/test/data/blockfilters.json): rebuild each basic filter from the block and the previous
// output scripts, reproduce the filter header, match every element, and miss random scripts.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  basicFilterElements,
  buildBasicFilter,
  decodeGcs,
  filterHash,
  filterHeaderOf,
  filterMatchesHeader,
  gcsElementCount,
  match,
  matchAny,
  BASIC_FILTER_M,
  BASIC_FILTER_P,
  GENESIS_PREVIOUS_FILTER_HEADER,
} from '../../src/filters/index.js';
import { fromHex, hashFromDisplay, hashToDisplay, toHex } from '../../src/util/bytes.js';
import { sha256d } from '../../src/util/hash.js';
import { decodeBlock } from '../../src/tx/index.js';
import { VECTORS_DIR } from '../helpers/vectors.js';

const FILE = `${VECTORS_DIR}/bip158-testnet-19.json`;
type Row = [number, string, string, string[], string, string, string, string];
const rows = (JSON.parse(readFileSync(FILE, 'utf8')) as unknown[]).slice(1) as Row[];

interface Vector {
  readonly height: number;
  readonly blockHash: Uint8Array; // wire order
  readonly outputScripts: Uint8Array[];
  readonly prevScripts: Uint8Array[];
  readonly prevHeader: Uint8Array; // wire order
  readonly filterHex: string;
  readonly header: Uint8Array; // wire order
  readonly notes: string;
}

const vectors: Vector[] = rows.map(([height, hash, blockHex, prev, prevHeader, filterHex, header, notes]) => {
  const block = decodeBlock(fromHex(blockHex));
  // The file's hash columns are display order; check the block hash against the block itself.
  expect(hashToDisplay(sha256d(block.header))).toBe(hash);
  expect(hashToDisplay(block.hash)).toBe(hash);
  // The previous-output scripts are listed for every input of every non-coinbase transaction.
  expect(block.txs.slice(1).reduce((n, tx) => n + tx.inputs.length, 0)).toBe(prev.length);
  return {
    height,
    blockHash: hashFromDisplay(hash),
    outputScripts: block.txs.flatMap((tx) => tx.outputs.map((o) => o.scriptPubKey)),
    prevScripts: prev.map(fromHex),
    prevHeader: hashFromDisplay(prevHeader),
    filterHex,
    header: hashFromDisplay(header),
    notes,
  };
});

function randomScript(): Uint8Array {
  // P2PKH-shaped, 25 bytes, random hash.
  return Uint8Array.from([0x76, 0xa9, 0x14, ...randomBytes(20), 0x88, 0xac]);
}

describe('BIP158 testnet-19 vectors', () => {
  test('the file has the 10 expected blocks', () => {
    expect(vectors.map((v) => v.height)).toEqual([0, 2, 3, 15007, 49291, 180480, 926485, 987876, 1263442, 1414221]);
  });

  describe.each(vectors.map((v) => [`${v.height}${v.notes ? ` (${v.notes})` : ''}`, v] as const))('block %s', (_name, v) => {
    const elements = basicFilterElements(v.outputScripts, v.prevScripts);

    test('rebuilds the filter byte for byte', () => {
      expect(toHex(buildBasicFilter(v.blockHash, elements))).toBe(v.filterHex);
    });

    test('reproduces the filter header from the previous header', () => {
      const filter = fromHex(v.filterHex);
      expect(toHex(filterHeaderOf(filter, v.prevHeader))).toBe(toHex(v.header));
      expect(filterMatchesHeader(filter, v.prevHeader, v.header)).toBe(true);
      expect(filterMatchesHeader(Uint8Array.of(...filter, 0), v.prevHeader, v.header)).toBe(false);
    });

    test('every element matches, singly and together', () => {
      const filter = fromHex(v.filterHex);
      expect(gcsElementCount(filter)).toBe(elements.length);
      for (const e of elements) expect(match(filter, v.blockHash, e)).toBe(true);
      if (elements.length > 0) {
        expect(matchAny(filter, v.blockHash, elements)).toBe(true);
        expect(matchAny(filter, v.blockHash, [randomScript(), elements[elements.length - 1], randomScript()])).toBe(true);
      }
    });

    test('random scripts do not match (false-positive rate ~1/784931 each)', () => {
      const filter = fromHex(v.filterHex);
      const randoms = Array.from({ length: 200 }, randomScript);
      expect(matchAny(filter, v.blockHash, randoms)).toBe(false);
      expect(matchAny(filter, v.blockHash, [])).toBe(false);
    });

    test('decodes to N sorted values below F = N * M', () => {
      const { f, values } = decodeGcs({ p: BASIC_FILTER_P, m: BASIC_FILTER_M }, fromHex(v.filterHex));
      expect(values.length).toBe(elements.length);
      expect(f).toBe(elements.length * BASIC_FILTER_M);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      if (values.length > 0) expect(values[values.length - 1]).toBeLessThan(f);
    });
  });

  test('the vectors chain: each previous header is the header of the block before', () => {
    // Heights 2 and 3 are consecutive in the file.
    const v2 = vectors.find((v) => v.height === 2)!;
    const v3 = vectors.find((v) => v.height === 3)!;
    expect(toHex(v3.prevHeader)).toBe(toHex(v2.header));
    expect(toHex(vectors[0].prevHeader)).toBe(toHex(GENESIS_PREVIOUS_FILTER_HEADER));
  });

  test('rules: OP_RETURN and empty outputs are skipped, empty spent scripts skipped, duplicates once', () => {
    const opReturn = fromHex('6a0401020304');
    const p2pkh = fromHex('76a914' + '11'.repeat(20) + '88ac');
    const els = basicFilterElements([opReturn, new Uint8Array(0), p2pkh, p2pkh], [new Uint8Array(0), p2pkh, opReturn]);
    // An OP_RETURN script among *spent* scripts is not excluded by BIP158 (it cannot really be spent).
    expect(els.map(toHex)).toEqual([toHex(p2pkh), toHex(opReturn)]);
  });

  test('an OP_RETURN output of a block is not findable in its filter', () => {
    const v = vectors.find((x) => x.height === 49291)!;
    const opReturn = fromHex('6a' + '24' + 'aa21a9ed' + '00'.repeat(32));
    const filter = buildBasicFilter(v.blockHash, basicFilterElements([...v.outputScripts, opReturn], v.prevScripts));
    expect(toHex(filter)).toBe(v.filterHex);
    expect(match(filter, v.blockHash, opReturn)).toBe(false);
  });

  test('mainnet genesis: filter 017fa880 and its header', () => {
    const genesisCoinbaseScript = fromHex(
      '4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac',
    );
    const hash = hashFromDisplay('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    const filter = buildBasicFilter(hash, basicFilterElements([genesisCoinbaseScript], []));
    expect(toHex(filter)).toBe('017fa880');
    expect(hashToDisplay(filterHeaderOf(filter, GENESIS_PREVIOUS_FILTER_HEADER))).toBe(
      '02c2392180d0ce2b5b6f8b08d39a11ffe831c673311a3ecf77b97fc3f0303c9f',
    );
    expect(toHex(filterHash(filter))).toHaveLength(64);
  });
});
