// The live message trace (`--trace`, `--trace=fields`, `--trace=hex`): an observer on the
// peers' message stream that turns each message into text (or a JSON object) and hands it to a
// sink the CLI owns. One line per message: time, peer, direction, transport, size, summary.
import { formatHostPort } from '../util/address.js';
import { toHex } from '../util/bytes.js';
import type { MessageDirection, MessageObserver } from '../net/observer.js';
import { peerTransport } from '../net/observer.js';
import type { Peer } from '../net/peer.js';
import type { Message } from '../wire/message.js';
import { commandName, encodeMessage } from '../wire/envelope.js';
import {
  annotateFrame,
  messageFields,
  plain,
  renderDump,
  renderFields,
  summarizeMessage,
  type AnnotatedBytes,
  type Paint,
  type SummaryContext,
} from '../wire/describe/index.js';

export const TRACE_MODES = ['summary', 'fields', 'hex'] as const;
export type TraceMode = (typeof TRACE_MODES)[number];

export interface TraceOptions {
  readonly mode: TraceMode;
  /** JSON lines instead of text. */
  readonly json?: boolean;
  /** Receives each message's text (lines joined by "\n", no trailing newline) or JSON line. */
  readonly write: (text: string) => void;
  /** Colour for text output (the CLI's ANSI paint on a terminal). */
  readonly paint?: Paint;
  /** Network magic, to re-encode received messages into frames for the hex dump. */
  readonly magic: Uint8Array;
  /** Heights of known blocks, so summaries say `headers 2000 (1..2000)`. */
  readonly heightOf?: SummaryContext['heightOf'];
  readonly now?: () => number;
}

/** What the trace knows about one message, before it is rendered. */
export interface TraceEntry {
  readonly timeMs: number;
  readonly peer: string;
  readonly direction: MessageDirection;
  readonly transport: 'v1' | 'v2';
  readonly message: Message;
  readonly size: number;
  /** The frame (hex mode): the bytes sent, or the received message re-encoded. */
  readonly frame?: Uint8Array;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

const ARROW: Readonly<Record<MessageDirection, string>> = { recv: '←', sent: '→' };

/** The trace line of `e` and, per mode, the field listing or annotated dump below it. */
export function formatTraceText(e: TraceEntry, mode: TraceMode, paint: Paint = plain, ctx: SummaryContext = {}, dump?: AnnotatedBytes): string {
  const head =
    `${paint('time', clock(e.timeMs))} ${paint('peer', e.peer)} ${paint(e.direction, `${ARROW[e.direction]} ${e.direction}`)} ${e.transport} ` +
    `${String(e.size).padStart(7)} B  ${paint('command', summarizeMessage(e.message, ctx))}`;
  if (mode === 'summary') return head;
  const body = mode === 'fields' ? renderFields(messageFields(e.message), { paint, indent: '    ' }) : renderDump(dump ?? annotateFrame(e.frame!, e.message), { paint }).map((l) => `    ${l}`);
  return [head, ...body].join('\n');
}

/** The JSON object of `e` (one line of `--trace --json`). */
export function traceJson(e: TraceEntry, mode: TraceMode, ctx: SummaryContext = {}, dump?: AnnotatedBytes): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: new Date(e.timeMs).toISOString(),
    peer: e.peer,
    direction: e.direction,
    transport: e.transport,
    command: commandName(e.message),
    size: e.size,
    summary: summarizeMessage(e.message, ctx),
  };
  if (mode !== 'summary') out.fields = messageFields(e.message);
  if (mode === 'hex') {
    const a = dump ?? annotateFrame(e.frame!, e.message);
    out.hex = toHex(a.bytes);
    out.spans = a.spans;
  }
  return out;
}

export class MessageTracer implements MessageObserver<Message> {
  private readonly ctx: SummaryContext;

  constructor(private readonly opts: TraceOptions) {
    this.ctx = { heightOf: opts.heightOf };
  }

  message(peer: Peer<Message, unknown>, direction: MessageDirection, message: Message, wireSize: number, frame: Uint8Array | undefined): void {
    const mode = this.opts.mode;
    const e: TraceEntry = {
      timeMs: (this.opts.now ?? Date.now)(),
      peer: `${peer.direction === 'inbound' ? 'in' : 'out'}#${peer.id} ${formatHostPort(peer.address)}`,
      direction,
      transport: peerTransport(peer),
      message,
      size: wireSize,
      // Received frames are gone once decoded: re-encode (decoding is strict, so the payload is the same).
      frame: mode === 'hex' ? (frame ?? encodeMessage(this.opts.magic, message)) : undefined,
    };
    this.opts.write(this.opts.json ? JSON.stringify(traceJson(e, mode, this.ctx)) : formatTraceText(e, mode, this.opts.paint, this.ctx));
  }
}
