// Serving headers the way a Core node does (net_processing ProcessGetHeaders): answer
// getheaders from the best chain after the first locator hash we know, up to 2,000; and
// announce new tips with `headers` to peers that sent sendheaders (BIP130), `inv` otherwise.
import type { Message } from '../wire/message.js';
import { reason } from '../net/disconnect.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { blockHash } from '../chain/header.js';
import { InvType } from '../wire/inventory.js';
import { MAX_LOCATOR_SZ } from '../wire/messages/getheaders.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** Core MAX_BLOCKS_TO_ANNOUNCE: more new headers than this are announced by inv. */
export const MAX_BLOCKS_TO_ANNOUNCE = 8;

export interface HeaderServerOptions {
  /** Answer a getheaders that finds nothing new with silence, as bcoin and others do, instead
   * of Core's empty `headers` (a test peer for clients that must not call that a stall). */
  silentWhenUpToDate?: boolean;
}

export class HeaderServer implements PeerService {
  private readonly ready = new Set<BitcoinPeer>();
  private readonly silentWhenUpToDate: boolean;
  constructor(
    private readonly chain: HeaderChain,
    opts: HeaderServerOptions = {},
  ) {
    this.silentWhenUpToDate = opts.silentWhenUpToDate ?? false;
  }

  onReady(peer: BitcoinPeer): void {
    this.ready.add(peer);
  }

  onDisconnect(peer: BitcoinPeer): void {
    this.ready.delete(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    if (msg.command !== 'getheaders') return;
    if (msg.locator.length > MAX_LOCATOR_SZ) {
      // Core: plain disconnect, no discouragement.
      peer.disconnect(reason('protocol', 'locator_too_large', `getheaders locator of ${msg.locator.length} entries (max ${MAX_LOCATOR_SZ})`));
      return;
    }
    const headers = this.chain.headersAfterLocator(msg.locator, msg.hashStop);
    if (headers.length === 0 && this.silentWhenUpToDate) return;
    peer.send({ command: 'headers', headers });
  }

  /** Tell peers about headers just added to our best chain (heights from..tip). */
  announce(fromHeight: number): void {
    const tip = this.chain.height;
    const count = tip - fromHeight + 1;
    if (count <= 0) return;
    for (const peer of this.ready) {
      if (peer.isClosed) continue;
      if (peer.state.sendHeaders && count <= MAX_BLOCKS_TO_ANNOUNCE) {
        const headers: Uint8Array[] = [];
        for (let h = fromHeight; h <= tip; h++) headers.push(this.chain.headerAt(h));
        peer.send({ command: 'headers', headers });
      } else {
        peer.send({ command: 'inv', items: [{ type: InvType.BLOCK, hash: blockHash(this.chain.headerAt(tip)) }] });
      }
    }
  }
}
