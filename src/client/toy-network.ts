// ToyNetwork: the toy gossip chain as N real nodes on loopback, for library users — the same
// run as `spv toy-net`: build a topology, mine blocks at random nodes, report how each spread.
import { runToyNetwork, TOPOLOGIES, type ToyNetworkOptions, type ToyNetworkReport, type ToyTopology } from '../toy/network.js';

export const ToyNetwork = {
  /** The topologies `run` accepts: line, ring, star, random. */
  topologies: TOPOLOGIES as readonly ToyTopology[],
  /**
   * Starts `nodes` toy nodes on 127.0.0.1, connects them as `topology`, mines `blocks` blocks
   * at random nodes, waits for every node to converge, stops them and reports: per block the
   * time to reach the last node, messages and duplicates; every node's tip.
   */
  run(options: ToyNetworkOptions): Promise<ToyNetworkReport> {
    return runToyNetwork(options);
  },
} as const;
