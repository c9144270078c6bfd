// --datadir persistence: append + fsync, torn-tail recovery, re-validation on reload.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockToJson, ToyBlockStore, TOY_BLOCKS_FILE } from '../../src/toy/index.js';
import { MemoryLog } from '../../src/util/log.js';
import { buildChain, closeAll, startNode } from './helpers.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spv-toy-store-'))));
afterEach(async () => {
  await closeAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('toy block store', () => {
  test('blocks appended are read back in order', () => {
    const bs = buildChain(3, 0);
    const { store, stored } = ToyBlockStore.open(dir);
    expect(stored.blocks).toEqual([]);
    for (const b of bs) store.append(b);
    store.close();
    const again = ToyBlockStore.open(dir);
    expect(again.stored.blocks).toEqual(bs);
    again.store.close();
  });

  test('a torn last line (crash mid-write) is cut off and appends continue cleanly', () => {
    const bs = buildChain(3, 0);
    const path = join(dir, TOY_BLOCKS_FILE);
    writeFileSync(path, `${blockToJson(bs[0]!)}\n${blockToJson(bs[1]!)}\n${blockToJson(bs[2]!).slice(0, 40)}`);
    const log = new MemoryLog();
    const { store, stored } = ToyBlockStore.open(dir, log);
    expect(stored.blocks).toEqual([bs[0], bs[1]]);
    expect(stored.truncatedBytes).toBe(40);
    expect(log.has(/torn/)).toBe(true);
    store.append(bs[2]!);
    store.close();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).length).toBe(3);
    const again = ToyBlockStore.open(dir);
    expect(again.stored.blocks).toEqual(bs);
    again.store.close();
  });

  test('reload re-validates: a tampered block and everything after it are dropped', async () => {
    const bs = buildChain(4, 1);
    const path = join(dir, TOY_BLOCKS_FILE);
    writeFileSync(path, bs.map((b, i) => `${blockToJson(i === 2 ? { ...b, data: 'tampered' } : b)}\n`).join(''));
    appendFileSync(path, 'not json at all\n');
    const node = await startNode({ datadir: dir, difficulty: 1 });
    expect(node.chain.height).toBe(2);
    expect(node.chain.tip).toEqual(bs[1]);
    expect(node.memlog.has(/bad_hash/)).toBe(true);
    expect(node.memlog.has(/unreadable/)).toBe(true);
  });
});
