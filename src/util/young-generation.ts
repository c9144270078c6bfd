// Bounded memory at any chain length (issue #10): a cap on V8's young generation, set from
// inside the process. V8 starts with 1 MB semi-spaces and multiplies them by
// --semi-space-growth-factor (2) each time the bytes that survived scavenges since the last
// growth exceed their size, up to --max-semi-space-size (16 MB). A sync survives a little of
// every headers message, so the young generation kept growing with the number of headers
// received (+25 MB of resident memory from 2 M to 5 M regtest headers) although nothing the
// client keeps does. The maximum is fixed when the isolate starts (setting it later does
// nothing), but the growth factor is read at every growth: this lets the young generation grow
// to `semiSpaceMb` (one step of 4x from 1 MB), then sets the factor to 1, which stops growth.
// Why not keep 1 MB semi-spaces: each in-flight 162 kB headers payload (and its 2,000 header
// views) then survives two scavenges and is promoted, freed only at the next full GC: ~10 MB
// more resident at the peak than with 4 MB (measured with `spv sync` of 2 M headers).
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** Young-generation semi-space size the cap aims at, MB. */
export const SEMI_SPACE_MB = 4;

function newSpaceBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Caps the young generation at about 2 x `semiSpaceMb` (V8's new space holds two semi-spaces). */
export function capYoungGeneration(semiSpaceMb = SEMI_SPACE_MB): void {
  const target = 2 * semiSpaceMb * 1024 * 1024;
  if (newSpaceBytes() >= target) {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    return;
  }
  v8.setFlagsFromString(`--semi-space-growth-factor=${semiSpaceMb}`);
  // A growth happens during a scavenge: look after each minor GC (a few per second at most).
  const obs = new PerformanceObserver(() => {
    if (newSpaceBytes() < target) return;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    obs.disconnect();
  });
  obs.observe({ entryTypes: ['gc'] });
}
