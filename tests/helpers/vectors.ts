// Where the test vectors live: tests/vectors/, copied from the reference pack (BIP test vectors,
// real headers and filters, Core's chain parameters) so a fresh clone tests without it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
