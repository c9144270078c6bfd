// Network parameters as data, one entry per chain. Values from Bitcoin Core
// src/kernel/chainparams.cpp (2025-09; checkpoints from before PR #31649), as collected in
// shared/reference/vectors/chainparams.json. A new network is one more entry here.

export type NetworkName = 'mainnet' | 'testnet3' | 'testnet4' | 'signet' | 'regtest';

export interface GenesisParams {
  /** 80-byte header, wire order, hex. */
  readonly headerHex: string;
  /** Block hash, display order. */
  readonly hash: string;
  readonly time: number;
  readonly bits: number;
}

export interface NetworkParams {
  readonly name: NetworkName;
  /** Bitcoin Core's -chain= name. */
  readonly coreName: 'main' | 'test' | 'testnet4' | 'signet' | 'regtest';
  /** pchMessageStart, wire bytes. */
  readonly magic: Uint8Array;
  readonly defaultPort: number;
  readonly genesis: GenesisParams;
  /** consensus.powLimit as a 256-bit number. */
  readonly powLimit: bigint;
  readonly powLimitBits: number;
  readonly targetTimespanS: number;
  readonly targetSpacingS: number;
  /** fPowAllowMinDifficultyBlocks: testnet 20-minute rule (Core pow.cpp). */
  readonly allowMinDifficultyBlocks: boolean;
  /** fPowNoRetargeting (regtest). */
  readonly noRetargeting: boolean;
  /** BIP94 (testnet4): retarget base = period's first block; time-warp bound. */
  readonly enforceBip94: boolean;
  /** DNS seed host names (Core vSeeds); regtest has none. */
  readonly dnsSeeds: readonly string[];
  /** Service-filter prefixes (x9, x49, ...) each seed is documented to answer; null = unknown. */
  readonly dnsSeedFilters: Readonly<Record<string, readonly string[] | null>>;
  /** Historical checkpoints, height -> display hash. */
  readonly checkpoints: Readonly<Record<number, string>>;
  /** nMinimumChainWork. */
  readonly minimumChainWork: bigint;
  /** Heights at which BIP34/66/65 become active (buried deployments). */
  readonly buried: { readonly bip34: number; readonly bip66: number; readonly bip65: number };
  readonly bech32Hrp: string;
  /** Base58Check version byte of P2PKH addresses (Core base58Prefixes[PUBKEY_ADDRESS]). */
  readonly base58Pubkey: number;
  /** Base58Check version byte of P2SH addresses (Core base58Prefixes[SCRIPT_ADDRESS]). */
  readonly base58Script: number;
  /** Note printed when the network is chosen (Core prints one for -testnet). */
  readonly deprecation?: string;
}

/** Core consensus.h / pow.cpp constants shared by every network. */
export const RETARGET_INTERVAL = 2016; // nPowTargetTimespan / nPowTargetSpacing
export const MAX_TIMEWARP_S = 600; // BIP94, Core consensus.h MAX_TIMEWARP
export const MAX_FUTURE_BLOCK_TIME_S = 2 * 60 * 60; // Core chain.h
export const MEDIAN_TIME_SPAN = 11; // Core chain.h

const POW_LIMIT_MAIN = 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn;

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = {
  mainnet: {
    name: 'mainnet',
    coreName: 'main',
    magic: hex('f9beb4d9'),
    defaultPort: 8333,
    genesis: {
      headerHex:
        '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
      hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
      time: 1231006505,
      bits: 0x1d00ffff,
    },
    powLimit: POW_LIMIT_MAIN,
    powLimitBits: 0x1d00ffff,
    targetTimespanS: 1209600,
    targetSpacingS: 600,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    dnsSeeds: [
      'seed.bitcoin.sipa.be',
      'dnsseed.bluematt.me',
      'seed.bitcoin.jonasschnelli.ch',
      'seed.btc.petertodd.net',
      'seed.bitcoin.sprovoost.nl',
      'dnsseed.emzy.de',
      'seed.bitcoin.wiz.biz',
      'seed.mainnet.achownodes.xyz',
    ],
    dnsSeedFilters: {
      'seed.bitcoin.sipa.be': ['x1', 'x5', 'x9', 'xd'],
      'dnsseed.bluematt.me': ['x9'],
      'seed.bitcoin.jonasschnelli.ch': ['x1', 'x5', 'x9', 'xd'],
      'seed.btc.petertodd.net': ['x1', 'x5', 'x9', 'xd'],
      'seed.bitcoin.sprovoost.nl': null,
      'dnsseed.emzy.de': null,
      'seed.bitcoin.wiz.biz': null,
      'seed.mainnet.achownodes.xyz': ['x1', 'x5', 'x9', 'x49', 'x809', 'x849', 'xd', 'x400', 'x404', 'x408', 'x448', 'xc08', 'xc48', 'x40c'],
    },
    checkpoints: {
      11111: '0000000069e244f73d78e8fd29ba2fd2ed618bd6fa2ee92559f542fdb26e7c1d',
      33333: '000000002dd5588a74784eaa7ab0507a18ad16a236e7b1ce69f00d7ddfb5d0a6',
      74000: '0000000000573993a3c9e41ce34471c079dcf5f52a0e824a81e7f953b8661a20',
      105000: '00000000000291ce28027faea320c8d2b054b2e0fe44a773f3eefb151d6bdc97',
      134444: '00000000000005b12ffd4cd315cd34ffd4a594f430ac814c91184a0d42d2b0fe',
      168000: '000000000000099e61ea72015e79632f216fe6cb33d7899acb35b75c8303b763',
      193000: '000000000000059f452a5f7340de6682a977387c17010ff6e6c3bd83ca8b1317',
      210000: '000000000000048b95347e83192f69cf0366076336c639f9b7228e9ba171342e',
      216116: '00000000000001b4f4b433e81ee46494af945cf96014816a4e2370f11b23df4e',
      225430: '00000000000001c108384350f74090433e7fcf79a606b8e797f065b130575932',
      250000: '000000000000003887df1f29024b06fc2200b55f8af8f35453d7be294df2d214',
      279000: '0000000000000001ae8c72a0b0c301f67e3afca10e819efa9041e458e9bd7e40',
      295000: '00000000000000004d9b4ef50f0f9d686fd69db2e03af35a100370c64632a983',
    },
    minimumChainWork: 0x0000000000000000000000000000000000000000dee8e2a309ad8a9820433c68n,
    buried: { bip34: 227931, bip66: 363725, bip65: 388381 },
    bech32Hrp: 'bc',
    base58Pubkey: 0x00,
    base58Script: 0x05,
  },
  testnet3: {
    name: 'testnet3',
    coreName: 'test',
    magic: hex('0b110907'),
    defaultPort: 18333,
    genesis: {
      headerHex:
        '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff001d1aa4ae18',
      hash: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
      time: 1296688602,
      bits: 0x1d00ffff,
    },
    powLimit: POW_LIMIT_MAIN,
    powLimitBits: 0x1d00ffff,
    targetTimespanS: 1209600,
    targetSpacingS: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: false,
    dnsSeeds: [
      'testnet-seed.bitcoin.jonasschnelli.ch',
      'seed.tbtc.petertodd.net',
      'seed.testnet.bitcoin.sprovoost.nl',
      'testnet-seed.bluematt.me',
      'seed.testnet.achownodes.xyz',
    ],
    dnsSeedFilters: {
      'testnet-seed.bitcoin.jonasschnelli.ch': null,
      'seed.tbtc.petertodd.net': null,
      'seed.testnet.bitcoin.sprovoost.nl': null,
      'testnet-seed.bluematt.me': ['x9'],
      'seed.testnet.achownodes.xyz': ['x1', 'x5', 'x9', 'x49', 'x809', 'x849', 'xd', 'x400', 'x404', 'x408', 'x448', 'xc08', 'xc48', 'x40c'],
    },
    checkpoints: { 546: '000000002a936ca763904c3c35fce2f3556c559c0214345d31b1bcebf76acb70' },
    minimumChainWork: 0x0000000000000000000000000000000000000000000016dd270dd94fac1d7632n,
    buried: { bip34: 21111, bip66: 330776, bip65: 581885 },
    bech32Hrp: 'tb',
    base58Pubkey: 0x6f,
    base58Script: 0xc4,
    // Bitcoin Core 28+ prints this when started with -testnet (init.cpp).
    deprecation:
      'Support for testnet3 is deprecated and will be removed in an upcoming release. Consider switching to testnet4.',
  },
  testnet4: {
    name: 'testnet4',
    coreName: 'testnet4',
    magic: hex('1c163f28'),
    defaultPort: 48333,
    genesis: {
      headerHex:
        '0100000000000000000000000000000000000000000000000000000000000000000000004e7b2b9128fe0291db0693af2ae418b767e657cd407e80cb1434221eaea7a07a046f3566ffff001dbb0c7817',
      hash: '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
      time: 1714777860,
      bits: 0x1d00ffff,
    },
    powLimit: POW_LIMIT_MAIN,
    powLimitBits: 0x1d00ffff,
    targetTimespanS: 1209600,
    targetSpacingS: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: true,
    dnsSeeds: ['seed.testnet4.bitcoin.sprovoost.nl', 'seed.testnet4.wiz.biz'],
    dnsSeedFilters: { 'seed.testnet4.bitcoin.sprovoost.nl': null, 'seed.testnet4.wiz.biz': null },
    checkpoints: {},
    minimumChainWork: 0x00000000000000000000000000000000000000000000034a4690fe592dc49c7cn,
    buried: { bip34: 1, bip66: 1, bip65: 1 },
    bech32Hrp: 'tb',
    base58Pubkey: 0x6f,
    base58Script: 0xc4,
  },
  signet: {
    name: 'signet',
    coreName: 'signet',
    // First 4 bytes of SHA256d(CompactSize(len) || default challenge), BIP325.
    magic: hex('0a03cf40'),
    defaultPort: 38333,
    genesis: {
      headerHex:
        '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a008f4d5fae77031e8ad22203',
      hash: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
      time: 1598918400,
      bits: 0x1e0377ae,
    },
    powLimit: 0x00000377ae000000000000000000000000000000000000000000000000000000n,
    powLimitBits: 0x1e0377ae,
    targetTimespanS: 1209600,
    targetSpacingS: 600,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    dnsSeeds: ['seed.signet.bitcoin.sprovoost.nl', 'seed.signet.achownodes.xyz'],
    dnsSeedFilters: {
      'seed.signet.bitcoin.sprovoost.nl': null,
      'seed.signet.achownodes.xyz': ['x1', 'x5', 'x9', 'x49', 'x809', 'x849', 'xd', 'x400', 'x404', 'x408', 'x448', 'xc08', 'xc48', 'x40c'],
    },
    checkpoints: {},
    minimumChainWork: 0x0000000000000000000000000000000000000000000000000000067d328e681an,
    buried: { bip34: 1, bip66: 1, bip65: 1 },
    bech32Hrp: 'tb',
    base58Pubkey: 0x6f,
    base58Script: 0xc4,
  },
  regtest: {
    name: 'regtest',
    coreName: 'regtest',
    magic: hex('fabfb5da'),
    defaultPort: 18444,
    genesis: {
      headerHex:
        '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000',
      hash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
      time: 1296688602,
      bits: 0x207fffff,
    },
    powLimit: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    powLimitBits: 0x207fffff,
    targetTimespanS: 86400,
    targetSpacingS: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: true,
    enforceBip94: false,
    dnsSeeds: [],
    dnsSeedFilters: {},
    checkpoints: {},
    minimumChainWork: 0n,
    buried: { bip34: 1, bip66: 1, bip65: 1 },
    bech32Hrp: 'bcrt',
    base58Pubkey: 0x6f,
    base58Script: 0xc4,
  },
};

/** Names accepted by --chain, Core's and ours. */
const CHAIN_ALIASES: Readonly<Record<string, NetworkName>> = {
  main: 'mainnet',
  mainnet: 'mainnet',
  test: 'testnet3',
  testnet: 'testnet3',
  testnet3: 'testnet3',
  testnet4: 'testnet4',
  signet: 'signet',
  regtest: 'regtest',
};

export function networkByName(name: string): NetworkParams | undefined {
  const key = CHAIN_ALIASES[name.toLowerCase()];
  return key ? NETWORKS[key] : undefined;
}

export const NETWORK_NAMES = Object.keys(NETWORKS) as NetworkName[];
export const CHAIN_NAMES = Object.keys(CHAIN_ALIASES);
