// Watch an address with compact block filters (BIP157/158) and print its payments and balance.
//   node examples/watch-address.js 127.0.0.1:18444 bcrt1q... ./datadir [network]
import { SpvClient, formatBtc } from 'spv';

const [peer = '127.0.0.1:18444', address, datadir = './spv-example-data', network = 'regtest'] = process.argv.slice(2);
const client = new SpvClient({ network, datadir, peers: [peer] });
const watch = client.watch([address], { fromHeight: 0, follow: false });
watch.on('tx', (tx) => {
  const got = Object.values(tx.received).reduce((a, v) => a + BigInt(v), 0n);
  const sent = Object.values(tx.sent).reduce((a, v) => a + BigInt(v), 0n);
  console.log(`${tx.txid} at height ${tx.height}: +${formatBtc(got)} -${formatBtc(sent)}`);
});
try {
  await client.start();
  const balances = await watch.scanned({ signal: AbortSignal.timeout(60_000) });
  for (const a of balances.addresses) console.log(`${a.address}: ${formatBtc(a.balance)} in ${a.utxos.length} unspent output(s) at height ${balances.tip}`);
} finally {
  await client.stop();
}
