// Download hints for a client (issue 10): a file of "height hash" lines, none, or by default the
// network's shipped hints/<network>.txt (mainnet, testnet3, signet). Hints only let header ranges
// be fetched from several peers at once; every header is still validated in order from genesis.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../util/log.js';
import { SpvError, errorMessage } from '../util/errors.js';
import type { NetworkName, NetworkParams } from '../params/networks.js';
import { packageRoot } from '../discovery/fixed-seeds.js';
import { parseHints, type DownloadHint } from '../bitcoin/download-hints.js';

/** Folder of the shipped hint files, at the package root (shipped by `npm pack`). */
export const HINTS_DIR = 'hints';

/** Where the shipped hints of `network` are (the file may not exist: regtest, testnet4). */
export function shippedHintsPath(network: NetworkName): string {
  return join(packageRoot(), HINTS_DIR, `${network}.txt`);
}

/** What a client is told about hints: a file path, `false` / 'none' for none, the hints
 * themselves, or undefined for the network's shipped file (none when there is no file). */
export type HintsOption = string | false | readonly DownloadHint[];

/** The hints `option` names; SpvError 'hints_unreadable' or 'bad_hints' for a bad file. */
export function loadHints(option: HintsOption | undefined, params: NetworkParams, log: Log): readonly DownloadHint[] | undefined {
  if (option === false || option === 'none') return undefined;
  if (typeof option === 'object') return option;
  let path = option;
  if (path === undefined) {
    path = shippedHintsPath(params.name);
    if (!existsSync(path)) return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpvError('hints_unreadable', `hints ${path}: ${errorMessage(err)}`);
  }
  let hints: DownloadHint[];
  try {
    hints = parseHints(text, path);
  } catch (err) {
    throw new SpvError('bad_hints', errorMessage(err));
  }
  log.info(`download hints: ${hints.length} from ${path}${hints.length ? ` (up to height ${hints[hints.length - 1]!.height})` : ''}`);
  return hints;
}
