// Dialling a loopback socket for raw-client tests: resolve once connected, reject on a connect
// error, and after that ignore socket errors (a test watches for 'close' instead).
import type { Socket } from 'node:net';

/** Connects `socket` to host:port (optionally from `localAddress`; bans are per host). */
export async function connectSocket(socket: Socket, port: number, host: string, localAddress?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ port, host, localAddress }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {});
}
