// A port on a loopback host that nothing listens on: bound, then closed. The demo uses it to show
// a failed dial; tests use it for "connection refused".
import { createServer } from 'node:net';

export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
