// Base error with a stable machine-readable `code`. Each layer defines its own subclass
// (WireError, ChainError, ToyError, NetError, DiscoveryError) so callers can tell a
// misbehaving peer from a failing socket without string matching.

export class SpvError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Thrown for bad user input (CLI arguments, addresses, files). Exit code 2. */
export class UsageError extends SpvError {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
