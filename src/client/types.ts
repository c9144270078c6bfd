// The library's public value types: plain readonly objects with hashes in display hex, so they
// print and serialise as they are. Internal types (wire order bytes, peers) stay inside.
import { CHAIN_NAMES, networkByName, type NetworkParams } from '../params/networks.js';
import { SpvError } from '../util/errors.js';

/** Bitcoin Core's chain names (`-chain=NAME`), plus the aliases Core's users type. */
export type NetworkName = 'main' | 'mainnet' | 'test' | 'testnet' | 'testnet3' | 'testnet4' | 'signet' | 'regtest';

/** The best chain's last header. */
export interface Tip {
  readonly height: number;
  /** Block hash in display hex (as Core's RPC shows it). */
  readonly hash: string;
}

/** One stored header, decoded. */
export interface HeaderInfo extends Tip {
  readonly version: number;
  readonly prevHash: string;
  readonly merkleRoot: string;
  /** Unix seconds. */
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

/** What a peer told us in its `version`, and how the connection went. */
export type { PeerInfo } from '../bitcoin/probe.js';

/** Resolves a chain name (Core's, or our aliases) to its parameters; throws SpvError 'unknown_chain'. */
export function networkParams(name: NetworkName | string): NetworkParams {
  const params = networkByName(name);
  if (!params) throw new SpvError('unknown_chain', `unknown chain "${name}" (expected one of: ${CHAIN_NAMES.join(', ')})`);
  return params;
}

/** Rejects with the signal's reason once it aborts (a DOMException 'AbortError' by default). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
