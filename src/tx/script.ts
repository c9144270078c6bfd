// Just enough Script for an SPV client: walking the opcodes of a script (Core
// script.cpp GetScriptOp), writing pushes (minimal, as Core's CScript::operator<<), and the
// two output shapes BIP37's BLOOM_UPDATE_P2PUBKEY_ONLY cares about (Core solver.cpp).

export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_PUSHDATA4 = 0x4e;
export const OP_1NEGATE = 0x4f;
export const OP_1 = 0x51;
export const OP_16 = 0x60;
export const OP_RETURN = 0x6a;
export const OP_DUP = 0x76;
export const OP_EQUAL = 0x87;
export const OP_EQUALVERIFY = 0x88;
export const OP_HASH160 = 0xa9;
export const OP_CHECKSIG = 0xac;
export const OP_CHECKMULTISIG = 0xae;

/** One opcode of a script; `data` is set (a view, possibly empty) for push opcodes 0x00-0x4e. */
export interface ScriptOp {
  readonly opcode: number;
  readonly data: Uint8Array | undefined;
}

/**
 * The opcodes of `script` in order, stopping silently at a truncated push (as Core's GetOp
 * returns false there; callers such as the BIP37 matcher then stop looking at that script).
 */
export function* scriptOps(script: Uint8Array): Generator<ScriptOp> {
  let pc = 0;
  const end = script.length;
  while (pc < end) {
    const opcode = script[pc++]!;
    if (opcode > OP_PUSHDATA4) {
      yield { opcode, data: undefined };
      continue;
    }
    let size: number;
    if (opcode < OP_PUSHDATA1) size = opcode;
    else if (opcode === OP_PUSHDATA1) {
      if (end - pc < 1) return;
      size = script[pc]!;
      pc += 1;
    } else if (opcode === OP_PUSHDATA2) {
      if (end - pc < 2) return;
      size = script[pc]! | (script[pc + 1]! << 8);
      pc += 2;
    } else {
      if (end - pc < 4) return;
      size = (script[pc]! | (script[pc + 1]! << 8) | (script[pc + 2]! << 16) | (script[pc + 3]! << 24)) >>> 0;
      pc += 4;
    }
    if (end - pc < size) return;
    yield { opcode, data: script.subarray(pc, pc + size) };
    pc += size;
  }
}

/** The non-empty data pushes of a script, in order (what BIP37 tests against a filter). */
export function scriptPushes(script: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const op of scriptOps(script)) if (op.data !== undefined && op.data.length > 0) out.push(op.data);
  return out;
}

/** A push of `data` with the shortest push opcode (the encoding Core's CScript << vector uses). */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: number[];
  if (n < OP_PUSHDATA1) head = [n];
  else if (n <= 0xff) head = [OP_PUSHDATA1, n];
  else if (n <= 0xffff) head = [OP_PUSHDATA2, n & 0xff, n >> 8];
  else head = [OP_PUSHDATA4, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/** CScriptNum serialization of an integer: little-endian magnitude, sign in the top bit. */
export function scriptNum(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError(`script number ${n} is not a safe integer`);
  const out: number[] = [];
  let abs = Math.abs(n);
  while (abs > 0) {
    out.push(abs & 0xff);
    abs = Math.floor(abs / 256);
  }
  if (out.length > 0 && (out[out.length - 1]! & 0x80) !== 0) out.push(n < 0 ? 0x80 : 0);
  else if (n < 0) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** `CScript() << n` for an integer: OP_0, OP_1NEGATE, OP_1..OP_16, else a push of scriptNum(n). */
export function pushInt(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(OP_0);
  if (n === -1) return Uint8Array.of(OP_1NEGATE);
  if (n >= 1 && n <= 16) return Uint8Array.of(OP_1 + n - 1);
  return pushData(scriptNum(n));
}

/** Core CPubKey::ValidSize: 33 bytes starting 02/03, or 65 bytes starting 04/06/07. */
function validPubkeySize(data: Uint8Array): boolean {
  if (data.length === 0) return false;
  const p = data[0]!;
  if (p === 2 || p === 3) return data.length === 33;
  if (p === 4 || p === 6 || p === 7) return data.length === 65;
  return false;
}

/** Pay-to-pubkey: <33 or 65-byte pubkey> OP_CHECKSIG (Core solver.cpp MatchPayToPubkey). */
export function isPayToPubkey(script: Uint8Array): boolean {
  const n = script.length;
  if (n === 35 && script[0] === 33 && script[34] === OP_CHECKSIG) return validPubkeySize(script.subarray(1, 34));
  if (n === 67 && script[0] === 65 && script[66] === OP_CHECKSIG) return validPubkeySize(script.subarray(1, 66));
  return false;
}

/** Bare multisig: OP_m <pubkey>... OP_n OP_CHECKMULTISIG with n keys, m <= n (Core MatchMultisig). */
export function isBareMultisig(script: Uint8Array): boolean {
  if (script.length < 1 || script[script.length - 1] !== OP_CHECKMULTISIG) return false;
  const ops = scriptOps(script);
  const first = ops.next();
  if (first.done || first.value.opcode < OP_1 || first.value.opcode > OP_16) return false;
  const required = first.value.opcode - OP_1 + 1;
  let keys = 0;
  let pos = 1;
  for (;;) {
    const op = ops.next();
    if (op.done) return false; // ran off the end (or a truncated push) before OP_n
    const { opcode, data } = op.value;
    pos += opLength(opcode, data);
    if (data !== undefined && validPubkeySize(data)) {
      keys++;
      continue;
    }
    if (opcode < OP_1 || opcode > OP_16) return false;
    const n = opcode - OP_1 + 1;
    return keys === n && n >= required && pos + 1 === script.length;
  }
}

function opLength(opcode: number, data: Uint8Array | undefined): number {
  if (data === undefined) return 1;
  if (opcode < OP_PUSHDATA1) return 1 + data.length;
  if (opcode === OP_PUSHDATA1) return 2 + data.length;
  if (opcode === OP_PUSHDATA2) return 3 + data.length;
  return 5 + data.length;
}
