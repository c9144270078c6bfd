// Why a connection ended. "Bad peer" (misbehaving: ban-worthy) and "socket failed" or
// "we chose to leave" (transient: may retry) stay different, as in nakamoto's DisconnectReason.

export type DisconnectKind =
  | 'misbehaving' // broke a protocol rule: ban
  | 'protocol' // not a rule breach we ban for, but we cannot continue (wrong network, framing error)
  | 'timeout' // handshake, ping or stall timeout
  | 'socket' // connection refused/reset/closed by the remote
  | 'local'; // we chose to disconnect (shutdown, eviction, full)

export interface DisconnectReason {
  readonly kind: DisconnectKind;
  /** Stable code, e.g. 'handshake_timeout', 'bad_magic'. */
  readonly code: string;
  readonly message: string;
}

export function reason(kind: DisconnectKind, code: string, message: string): DisconnectReason {
  return { kind, code, message };
}

/** Worth dialing again later? */
export function isTransient(r: DisconnectReason): boolean {
  return r.kind === 'socket' || r.kind === 'timeout' || r.kind === 'local';
}
