// Handshake one peer and print what it told us.
//   node examples/handshake.js 127.0.0.1:18444 [network]
import { handshake, ProbeError } from 'spv';

const [address = '127.0.0.1:18444', network = 'regtest'] = process.argv.slice(2);
try {
  const peer = await handshake(address, { network, timeoutMs: 5000 });
  console.log(`${peer.address}: ${peer.userAgent} protocol ${peer.version}, services ${peer.serviceNames.join('|') || 'NONE'}`);
  console.log(`height ${peer.startHeight}, handshake ${peer.handshakeMs.toFixed(1)} ms, ping ${peer.pingMs?.toFixed(1) ?? '-'} ms`);
} catch (err) {
  if (!(err instanceof ProbeError)) throw err;
  console.error(`handshake failed (${err.code}): ${err.message}`);
  process.exitCode = 1;
}
