// Loads the BIP324 test vectors (the BIP's own CSV files and the short-ID table), copied from
// shared/reference/vectors/bip324/ into tests/vectors/bip324/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../helpers/vectors.js';

const DIR = join(VECTORS_DIR, 'bip324');

/** Rows of a BIP324 CSV as objects keyed by the header (no field in these files is quoted). */
export function readCsv(name: string): Record<string, string>[] {
  const lines = readFileSync(join(DIR, name), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const head = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, string> = {};
    head.forEach((h, i) => (row[h] = i === head.length - 1 ? cells.slice(i).join(',') : (cells[i] ?? '')));
    return row;
  });
}

export function readShortIds(): { id: number; message_type: string | null; defined_by: string }[] {
  return (JSON.parse(readFileSync(join(DIR, 'short_message_ids.json'), 'utf8')) as { ids: { id: number; message_type: string | null; defined_by: string }[] }).ids;
}
