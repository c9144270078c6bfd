// Run a toy gossip network on loopback and print how each block spread.
//   node examples/toy-network.js [nodes] [topology]
import { ToyNetwork } from 'spv';

const [nodes = '8', topology = 'ring'] = process.argv.slice(2);
const report = await ToyNetwork.run({ nodes: Number(nodes), topology, blocks: 3, difficulty: 2 });
for (const b of report.blocks) console.log(`block ${b.height} from node ${b.miner}: ${b.reached}/${report.nodes} nodes in ${b.spreadMs?.toFixed(1)} ms, ${b.duplicates} duplicates dropped`);
console.log(`${report.converged ? 'converged' : 'NOT converged'} at height ${report.tips[0].height}`);
process.exitCode = report.converged ? 0 : 1;
