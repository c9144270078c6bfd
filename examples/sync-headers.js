// Sync block headers from one peer into a datadir and print the tip.
//   node examples/sync-headers.js 127.0.0.1:18444 ./datadir [network]
import { SpvClient } from 'spv';

const [peer = '127.0.0.1:18444', datadir = './spv-example-data', network = 'regtest'] = process.argv.slice(2);
const client = new SpvClient({ network, datadir, peers: [peer] });
client.on('progress', (p) => console.log(`headers ${p.height}/${p.peerHeight}`));
try {
  await client.start();
  const tip = await client.synced({ signal: AbortSignal.timeout(60_000) });
  console.log(`tip ${tip.height} ${tip.hash}`);
  const h = client.header(tip.height);
  console.log(`time ${new Date(h.time * 1000).toISOString()} bits ${h.bits.toString(16)} merkle root ${h.merkleRoot}`);
} finally {
  await client.stop();
}
