// BIP324 one-byte message type IDs ("v2 message type IDs" table; Core net.cpp V2_MESSAGE_IDS).
// 0 means a 12-byte NUL-padded type follows. Core v26–v31 knows 1–28 and reserves 29–32;
// higher IDs (utreexo drafts, BIP434 `feature`) are not implemented here either.

/** Index = short ID; entry 0 is the long-form marker. */
export const SHORT_ID_TYPES: readonly string[] = [
  '', 'addr', 'block', 'blocktxn', 'cmpctblock', 'feefilter', 'filteradd', 'filterclear',
  'filterload', 'getblocks', 'getblocktxn', 'getdata', 'getheaders', 'headers', 'inv', 'mempool',
  'merkleblock', 'notfound', 'ping', 'pong', 'sendcmpct', 'tx', 'getcfilters', 'cfilter',
  'getcfheaders', 'cfheaders', 'getcfcheckpt', 'cfcheckpt', 'addrv2',
];

const BY_TYPE: ReadonlyMap<string, number> = new Map(SHORT_ID_TYPES.map((t, i) => [t, i] as const).filter(([, i]) => i > 0));

/** The short ID Core sends for a message type, or undefined (then the 13-byte long form). */
export function shortIdFor(type: string): number | undefined {
  return BY_TYPE.get(type);
}

/** The message type of a short ID, or undefined for one we do not know (29–255). */
export function typeForShortId(id: number): string | undefined {
  return id > 0 && id < SHORT_ID_TYPES.length ? SHORT_ID_TYPES[id] : undefined;
}
