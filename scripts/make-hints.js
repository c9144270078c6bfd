// Builds the shipped download hints, hints/<network>.txt, from the reference pack's
// retarget-boundary files (first header of every 2016-block period; source: bitcoinj's
// checkpoint files). Each header is re-hashed and must give the hash its line states.
// Usage: node scripts/make-hints.js [REFERENCE_VECTORS_DIR]   (default /work/shared/reference/vectors)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vectors = process.argv[2] ?? '/work/shared/reference/vectors';
const sha256d = (b) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

for (const [network, file] of [['mainnet', 'mainnet'], ['testnet3', 'testnet3'], ['signet', 'signet']]) {
  const lines = readFileSync(join(vectors, `retarget-boundaries-${file}.txt`), 'utf8').split('\n');
  const source = lines.find((l) => l.startsWith('#'))?.replace(/^#\s*/, '') ?? '';
  const out = [];
  let last = 0;
  for (const line of lines) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [heightText, hash, , , , headerHex] = line.trim().split(/\s+/);
    const height = Number(heightText);
    const computed = Buffer.from(sha256d(Buffer.from(headerHex, 'hex'))).reverse().toString('hex');
    if (computed !== hash) throw new Error(`${network} ${height}: header hashes to ${computed}, line says ${hash}`);
    if (!(height > last) || height % 2016 !== 0) throw new Error(`${network}: height ${height} out of order or not a period start`);
    last = height;
    out.push(`${height} ${hash}`);
  }
  const text = [
    `# spv download hints for ${network}: (height, block hash) pairs, hash in display order.`,
    '# Hints only let header sync ask several peers for different ranges at once; every header',
    '# is still validated from genesis and the most-work chain still wins.',
    `# Built by scripts/make-hints.js from the reference pack's retarget-boundaries-${file}.txt`,
    `# (each header re-hashed). Its source: ${source}`,
    ...out,
    '',
  ].join('\n');
  writeFileSync(join(root, 'hints', `${network}.txt`), text);
  console.log(`hints/${network}.txt: ${out.length} hints up to height ${last}`);
}
