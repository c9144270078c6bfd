// Bitcoin Core's way of choosing a chain: --testnet (testnet3), --testnet4, --signet,
// --regtest, or --chain=NAME; mainnet when none is given. At most one may be used.
// --network NAME is our alias of --chain NAME (Core has no -network; the issue's `spv decode
// --network` reads naturally, and no command has another option of that name).
import type { Argv } from 'yargs';
import { CHAIN_NAMES, networkByName, type NetworkParams } from '../params/networks.js';
import { UsageError } from '../util/errors.js';

export interface NetworkArgs {
  /** yargs hands a repeated option (`--chain a --network b`) over as an array. */
  chain?: string | string[];
  /** The alias of `chain` (yargs sets both). */
  network?: string | string[];
  testnet?: boolean;
  testnet4?: boolean;
  signet?: boolean;
  regtest?: boolean;
}

export function withNetworkOptions<T>(y: Argv<T>): Argv<T & NetworkArgs> {
  return y
    .option('chain', { type: 'string', alias: 'network', describe: `chain name (${CHAIN_NAMES.join(', ')})`, group: 'Network:' })
    .option('testnet', { type: 'boolean', describe: 'use testnet3 (deprecated by Core; consider --testnet4)', group: 'Network:' })
    .option('testnet4', { type: 'boolean', describe: 'use testnet4 (BIP94)', group: 'Network:' })
    .option('signet', { type: 'boolean', describe: 'use the default signet', group: 'Network:' })
    .option('regtest', { type: 'boolean', describe: 'use regtest', group: 'Network:' }) as Argv<T & NetworkArgs>;
}

/** The chosen network; throws UsageError when flags conflict or the name is unknown. */
export function resolveNetwork(args: NetworkArgs, fallback = 'mainnet'): NetworkParams {
  const chosen: string[] = [];
  // Core's -chain takes its last value when repeated; with --network as a second spelling a
  // repeat is more likely a mistake, so two different names are a conflict like --regtest --signet.
  if (args.chain !== undefined) for (const name of new Set([args.chain].flat())) chosen.push(name);
  if (args.testnet) chosen.push('testnet3');
  if (args.testnet4) chosen.push('testnet4');
  if (args.signet) chosen.push('signet');
  if (args.regtest) chosen.push('regtest');
  // Core: "Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain. Can use at most one."
  if (chosen.length > 1)
    throw new UsageError('network_conflict', 'Invalid combination of --regtest, --signet, --testnet, --testnet4 and --chain (--network). Can use at most one.');
  const name = chosen[0] ?? fallback;
  const params = networkByName(name);
  if (!params) throw new UsageError('unknown_chain', `unknown chain "${name}" (expected one of: ${CHAIN_NAMES.join(', ')})`);
  return params;
}
