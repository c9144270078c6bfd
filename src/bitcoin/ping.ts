// Keep-alive bookkeeping for one peer (BIP31): one ping outstanding at a time, a random
// non-zero nonce, round-trip times measured when the matching pong arrives.

export class PingTracker {
  private outstanding: { nonce: bigint; sentAt: number } | undefined;
  private readonly samples: number[] = [];
  /** Last few round-trip times, ms. */
  static readonly KEEP = 8;

  constructor(private readonly randomNonce: () => bigint) {}

  /** Start a ping unless one is outstanding; returns the nonce to send. */
  start(now: number): bigint | undefined {
    if (this.outstanding) return undefined;
    let nonce = this.randomNonce();
    if (nonce === 0n) nonce = 1n; // Core: a zero nonce means "abandon", never send it
    this.outstanding = { nonce, sentAt: now };
    return nonce;
  }

  /** A pong arrived. Returns the RTT when it matches the outstanding ping; a pong with an
   * unexpected nonce is ignored (Core), a pong with nonce 0 cancels the ping. */
  pong(nonce: bigint, now: number): number | undefined {
    if (!this.outstanding) return undefined;
    if (nonce === 0n) {
      this.outstanding = undefined;
      return undefined;
    }
    if (nonce !== this.outstanding.nonce) return undefined;
    const rtt = now - this.outstanding.sentAt;
    this.outstanding = undefined;
    this.samples.push(rtt);
    if (this.samples.length > PingTracker.KEEP) this.samples.shift();
    return rtt;
  }

  /** How long the outstanding ping has waited, or undefined. */
  waiting(now: number): number | undefined {
    return this.outstanding ? now - this.outstanding.sentAt : undefined;
  }

  get lastRtt(): number | undefined {
    return this.samples[this.samples.length - 1];
  }
  get minRtt(): number | undefined {
    return this.samples.length ? Math.min(...this.samples) : undefined;
  }
}
