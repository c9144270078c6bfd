// Block locators (Core chain.cpp LocatorEntries): the tip, then 11 more dense entries, then
// exponentially sparser steps back, genesis always last. Heights only; HeaderChain turns
// them into hashes and answers locators (headersAfterLocator) the way Core's getheaders does.

export function locatorHeights(tipHeight: number): number[] {
  const out: number[] = [];
  if (tipHeight < 0) return out;
  let step = 1;
  let h = tipHeight;
  for (;;) {
    out.push(h);
    if (h === 0) break;
    // Exponentially larger steps back, plus the genesis block.
    h = Math.max(h - step, 0);
    if (out.length > 10) step *= 2;
  }
  return out;
}
