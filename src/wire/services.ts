// Service bits (Core src/protocol.h ServiceFlags; shared/reference/networks.md section 5).

export const NODE_NONE = 0n;
export const NODE_NETWORK = 1n << 0n;
export const NODE_BLOOM = 1n << 2n; // BIP111
export const NODE_WITNESS = 1n << 3n; // BIP144
export const NODE_COMPACT_FILTERS = 1n << 6n; // BIP157
export const NODE_NETWORK_LIMITED = 1n << 10n; // BIP159
export const NODE_P2P_V2 = 1n << 11n; // BIP324

const NAMES: readonly [bigint, string][] = [
  [NODE_NETWORK, 'NETWORK'],
  [1n << 1n, 'GETUTXO'],
  [NODE_BLOOM, 'BLOOM'],
  [NODE_WITNESS, 'WITNESS'],
  [1n << 4n, 'XTHIN'],
  [1n << 5n, 'BITCOIN_CASH'],
  [NODE_COMPACT_FILTERS, 'COMPACT_FILTERS'],
  [NODE_NETWORK_LIMITED, 'NETWORK_LIMITED'],
  [NODE_P2P_V2, 'P2P_V2'],
];

/** ["NETWORK", "WITNESS", ...], unknown bits as "bit N". */
export function serviceNames(services: bigint): string[] {
  const out: string[] = [];
  let rest = services;
  for (const [bit, name] of NAMES) {
    if (services & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  for (let i = 0n; rest !== 0n && i < 64n; i++) {
    if (rest & (1n << i)) {
      out.push(`bit ${i}`);
      rest &= ~(1n << i);
    }
  }
  return out;
}
