// A loopback port that records whether anything dialed it: CLI tests check that input refused
// before any traffic (bad address, bad transaction) never reaches the network.
import { createServer } from 'node:net';

export interface Tripwire {
  readonly port: number;
  dialed(): boolean;
  close(): Promise<void>;
}

export async function tripwire(): Promise<Tripwire> {
  let hit = false;
  const s = createServer((c) => {
    hit = true;
    c.destroy();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as { port: number }).port, dialed: () => hit, close: () => new Promise((r) => s.close(() => r())) };
}
