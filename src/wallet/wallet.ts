// What a watch-only wallet knows: the transactions that pay to or spend from its scripts, the
// unspent outputs, balances. Pure: blocks are applied in height order and rewound on a reorg
// (each record keeps the outputs it created and spent, so a rewind is exact).
import { hashToDisplay, toHex } from '../util/bytes.js';
import type { Tx } from '../tx/tx.js';

export interface WatchedScript {
  readonly address: string;
  /** scriptPubKey, hex. */
  readonly script: string;
}

export interface WalletOutput {
  /** txid, display order. */
  readonly txid: string;
  readonly vout: number;
  /** Satoshis as a decimal string (JSON has no bigint). */
  readonly value: string;
  readonly address: string;
  readonly height: number;
}

export interface TxRecord {
  readonly txid: string;
  readonly height: number;
  readonly blockHash: string;
  /** Satoshis received / sent per watched address (decimal strings). */
  readonly received: Readonly<Record<string, string>>;
  readonly sent: Readonly<Record<string, string>>;
  readonly created: readonly WalletOutput[];
  readonly spent: readonly WalletOutput[];
}

export interface WalletSnapshot {
  readonly history: readonly TxRecord[];
  readonly utxos: readonly WalletOutput[];
}

const key = (txid: string, vout: number): string => `${txid}:${vout}`;

export class Wallet {
  private readonly byScript = new Map<string, string>();
  private readonly history: TxRecord[];
  private readonly utxos = new Map<string, WalletOutput>();

  constructor(
    readonly watched: readonly WatchedScript[],
    snapshot: WalletSnapshot = { history: [], utxos: [] },
  ) {
    for (const w of watched) this.byScript.set(w.script, w.address);
    this.history = [...snapshot.history];
    for (const u of snapshot.utxos) this.utxos.set(key(u.txid, u.vout), u);
  }

  /** The watched scripts as bytes (for filter matching). */
  scripts(): Uint8Array[] {
    return this.watched.map((w) => Uint8Array.from(Buffer.from(w.script, 'hex')));
  }

  /** Outpoints we own, wire order (BIP37: inserted into the bloom filter so spends match). */
  ownedOutpoints(): { txid: Uint8Array; vout: number }[] {
    return [...this.utxos.values()].map((u) => ({ txid: Uint8Array.from(Buffer.from(u.txid, 'hex')).reverse(), vout: u.vout }));
  }

  /** Apply a block's transactions (in block order); returns the records it produced. */
  applyBlock(height: number, blockHash: Uint8Array, txs: readonly Tx[]): TxRecord[] {
    const out: TxRecord[] = [];
    const hashHex = hashToDisplay(blockHash);
    for (const tx of txs) {
      const txid = hashToDisplay(tx.txid);
      const spent: WalletOutput[] = [];
      const created: WalletOutput[] = [];
      for (const input of tx.inputs) {
        const k = key(hashToDisplay(input.prevout.txid), input.prevout.vout);
        const u = this.utxos.get(k);
        if (u) {
          spent.push(u);
          this.utxos.delete(k);
        }
      }
      tx.outputs.forEach((o, vout) => {
        const address = this.byScript.get(toHex(o.scriptPubKey));
        if (address === undefined) return;
        const u: WalletOutput = { txid, vout, value: o.value.toString(), address, height };
        created.push(u);
        this.utxos.set(key(txid, vout), u);
      });
      if (spent.length === 0 && created.length === 0) continue;
      const rec: TxRecord = { txid, height, blockHash: hashHex, received: sums(created), sent: sums(spent), created, spent };
      this.history.push(rec);
      out.push(rec);
    }
    return out;
  }

  /** Undo every record above `height` (a reorg disconnected those blocks). Returns them. */
  rewindTo(height: number): TxRecord[] {
    const undone: TxRecord[] = [];
    while (this.history.length > 0 && (this.history[this.history.length - 1] as TxRecord).height > height) {
      const rec = this.history.pop() as TxRecord;
      for (const c of rec.created) this.utxos.delete(key(c.txid, c.vout));
      for (const s of rec.spent) this.utxos.set(key(s.txid, s.vout), s);
      undone.push(rec);
    }
    return undone;
  }

  /** The unspent output `txid:vout` (txid in display order) if it is ours. */
  ownedOutput(txid: string, vout: number): WalletOutput | undefined {
    return this.utxos.get(key(txid, vout));
  }

  /** The watched address paying to `scriptHex`, if any. */
  addressOf(scriptHex: string): string | undefined {
    return this.byScript.get(scriptHex);
  }

  get records(): readonly TxRecord[] {
    return this.history;
  }

  unspent(address?: string): WalletOutput[] {
    return [...this.utxos.values()].filter((u) => address === undefined || u.address === address).sort((a, b) => a.height - b.height || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  }

  balance(address: string): bigint {
    let b = 0n;
    for (const u of this.utxos.values()) if (u.address === address) b += BigInt(u.value);
    return b;
  }

  snapshot(): WalletSnapshot {
    return { history: [...this.history], utxos: this.unspent() };
  }
}

function sums(outputs: readonly WalletOutput[]): Record<string, string> {
  const m: Record<string, bigint> = {};
  for (const o of outputs) m[o.address] = (m[o.address] ?? 0n) + BigInt(o.value);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.toString()]));
}

/** 1.5 BTC style formatting of satoshis. */
export function formatBtc(sats: bigint): string {
  const neg = sats < 0n;
  const a = neg ? -sats : sats;
  const whole = a / 100_000_000n;
  const frac = (a % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''} BTC`;
}
