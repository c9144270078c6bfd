// A loopback TCP proxy that delays everything a peer sends back by a fixed time, in order (a
// link with that one-way latency on the reply path): what "a peer 50 ms away" looks like to the
// client, for tests and benchmarks. Requests go through at once.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: { host?: string; port: number }, delayMs: number, listenHost = '127.0.0.1'): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = connect({ host: target.host ?? '127.0.0.1', port: target.port });
    sockets.add(down).add(up);
    // Bytes leave as soon as their delay is up (no Nagle batching on top of the latency).
    down.setNoDelay(true);
    up.setNoDelay(true);
    let releaseAt = 0;
    down.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      // Same delay for every chunk, never before the previous one: order is kept.
      releaseAt = Math.max(Date.now() + delayMs, releaseAt);
      setTimeout(() => {
        if (!down.destroyed) down.write(d);
      }, releaseAt - Date.now());
    });
    const end = (): void => {
      setTimeout(() => {
        down.destroy();
        up.destroy();
      }, delayMs);
    };
    down.on('close', () => up.destroy());
    up.on('close', end);
    down.on('error', () => up.destroy());
    up.on('error', end);
    down.on('close', () => sockets.delete(down));
    up.on('close', () => sockets.delete(up));
  });
  await new Promise<void>((r) => server.listen(0, listenHost, r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
