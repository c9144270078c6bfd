// The download hints a syncing command uses (issue 10): --hints FILE, --hints none / --no-hints,
// or by default the network's shipped hints/<network>.txt (mainnet, testnet3, signet).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../../util/log.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import type { NetworkName, NetworkParams } from '../../params/networks.js';
import { packageRoot } from '../../discovery/fixed-seeds.js';
import { parseHints, type DownloadHint } from '../../bitcoin/download-hints.js';

/** Folder of the shipped hint files, at the package root (shipped by `npm pack`). */
export const HINTS_DIR = 'hints';

export function shippedHintsPath(network: NetworkName): string {
  return join(packageRoot(), HINTS_DIR, `${network}.txt`);
}

export function loadHints(option: string | false | undefined, params: NetworkParams, log: Log): DownloadHint[] | undefined {
  if (option === false || option === 'none') return undefined;
  let path = option;
  if (path === undefined) {
    path = shippedHintsPath(params.name);
    if (!existsSync(path)) return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError('hints_unreadable', `--hints ${path}: ${errorMessage(err)}`);
  }
  let hints: DownloadHint[];
  try {
    hints = parseHints(text, path);
  } catch (err) {
    throw new UsageError('bad_hints', errorMessage(err));
  }
  log.info(`download hints: ${hints.length} from ${path}${hints.length ? ` (up to height ${hints[hints.length - 1]!.height})` : ''}`);
  return hints;
}
