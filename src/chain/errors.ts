// Errors of the chain layer. `ChainError` is a header that broke a consensus or policy rule:
// its stable `code` names the rule (Core's reject reason in snake_case) so the peer layer can
// ban "for the rule it broke"; `banWorthy`/`retryLater` say how to treat the sender.
// `StoreError` is a datadir problem (lock held, wrong network, I/O): never the peer's fault.
import { SpvError } from '../util/errors.js';

interface RuleInfo {
  /** The sender broke consensus or protocol: disconnect and ban. */
  readonly ban: boolean;
  /** Not invalid, only not acceptable now (Core BLOCK_TIME_FUTURE): ask again later. */
  readonly retryLater: boolean;
  readonly core: string;
}

/** Every ChainError code, with how to treat the peer and Core's reject reason / source. */
export const CHAIN_RULES = {
  bad_header_length: { ban: true, retryLater: false, core: 'headers entries are 80 bytes (CBlockHeader)' },
  too_many_headers: { ban: true, retryLater: false, core: 'net_processing: headers message size > MAX_HEADERS_RESULTS' },
  headers_not_continuous: { ban: true, retryLater: false, core: 'net_processing: non-continuous headers sequence' },
  // Not ban-worthy alone: Core answers with a getheaders to fill the gap (a new tip announced
  // by `headers` whose parent we lack). The sync layer should count repeats.
  prev_not_found: { ban: false, retryLater: false, core: 'validation: prev-blk-not-found' },
  bad_pow_limit: { ban: true, retryLater: false, core: 'pow.cpp CheckProofOfWork: negative/zero/overflow/above powLimit (high-hash)' },
  high_hash: { ban: true, retryLater: false, core: 'validation CheckBlockHeader: high-hash' },
  bad_diffbits: { ban: true, retryLater: false, core: 'validation ContextualCheckBlockHeader: bad-diffbits' },
  time_too_old: { ban: true, retryLater: false, core: 'validation: time-too-old (<= median time past)' },
  time_too_new: { ban: false, retryLater: true, core: 'validation: time-too-new (> local clock + MAX_FUTURE_BLOCK_TIME; Core >= 27 uses NodeClock, not adjusted time)' },
  time_timewarp_attack: { ban: true, retryLater: false, core: 'validation (BIP94): time-timewarp-attack' },
  bad_version: { ban: true, retryLater: false, core: 'validation: bad-version (BIP34/66/65 minimums)' },
  checkpoint_mismatch: { ban: true, retryLater: false, core: 'validation (pre-#31649): checkpoint mismatch' },
  fork_before_checkpoint: { ban: true, retryLater: false, core: 'validation (pre-#31649): bad-fork-prior-to-checkpoint' },
  // Our memory bound on competing branches (no Core equivalent: Core keeps every header with
  // enough work in memory). The one deep-branch slot is busy with another branch that has at
  // least as much work: not the sender's fault; ask again once the slot may be free.
  side_branch_limit: { ban: false, retryLater: true, core: 'spv policy: side-branch header cap reached' },
} as const satisfies Record<string, RuleInfo>;

export type ChainErrorCode = keyof typeof CHAIN_RULES;

export class ChainError extends SpvError {
  declare readonly code: ChainErrorCode;
  constructor(
    code: ChainErrorCode,
    message: string,
    /** Height the offending header would have had, when known. */
    readonly height?: number,
    /** Display-order hash of the offending header, when known. */
    readonly hash?: string,
  ) {
    super(code, message);
  }
  get banWorthy(): boolean {
    return CHAIN_RULES[this.code].ban;
  }
  get retryLater(): boolean {
    return CHAIN_RULES[this.code].retryLater;
  }
}

export type StoreErrorCode = 'datadir_locked' | 'wrong_network' | 'store_closed' | 'bad_datadir';

export class StoreError extends SpvError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(code, message);
  }
}
