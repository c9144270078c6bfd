// Newline-delimited UTF-8 framing for the toy protocol, as a net/ Codec. The line cap is
// enforced while buffering: a line that grows past it is a fatal frame, and the decoder keeps
// nothing of it (net/ then disconnects), so a peer cannot make us hold more than the cap.
import type { Codec, Frame, FrameDecoder } from '../net/codec.js';
import { ToyError } from './errors.js';
import { describeToyMessage, formatToyMessage, parseToyLine, type ToyMessage } from './messages.js';

/** 1 MiB per line, excluding the `\n` (a block's `data` is capped far below this). */
export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;

class ToyLineDecoder implements FrameDecoder<ToyMessage> {
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private dead = false;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxLineBytes: number) {}

  get bufferedBytes(): number {
    return this.partBytes;
  }

  push(chunk: Uint8Array): Frame<ToyMessage>[] {
    const frames: Frame<ToyMessage>[] = [];
    if (this.dead) return frames;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.partBytes + (end - start) > this.maxLineBytes) {
        this.dead = true;
        this.parts = [];
        this.partBytes = 0;
        frames.push({ kind: 'fatal', error: new ToyError('line_too_long', `line longer than ${this.maxLineBytes} bytes`) });
        return frames;
      }
      if (nl < 0) {
        if (end > start) {
          this.parts.push(chunk.slice(start)); // copy: the socket may reuse its buffer
          this.partBytes += end - start;
        }
        return frames;
      }
      let line: Uint8Array;
      if (this.parts.length === 0) line = chunk.subarray(start, nl);
      else {
        this.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.parts);
        this.parts = [];
        this.partBytes = 0;
      }
      start = nl + 1;
      const frame = this.decodeLine(line);
      if (frame) frames.push(frame);
    }
  }

  private decodeLine(raw: Uint8Array): Frame<ToyMessage> | undefined {
    const bytes = raw.length + 1;
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw; // tolerate CRLF (telnet, nc -C)
    if (line.length === 0) return undefined; // blank lines are keep-alives at most
    let text: string;
    try {
      text = this.text.decode(line);
    } catch {
      return { kind: 'invalid', error: new ToyError('bad_utf8', 'line is not valid UTF-8'), bytes };
    }
    try {
      return { kind: 'message', message: parseToyLine(text), bytes };
    } catch (err) {
      const error = err instanceof ToyError ? err : new ToyError('bad_line', (err as Error).message);
      return { kind: 'invalid', error, bytes };
    }
  }
}

export class ToyLineCodec implements Codec<ToyMessage> {
  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}
  createDecoder(): FrameDecoder<ToyMessage> {
    return new ToyLineDecoder(this.maxLineBytes);
  }
  encode(message: ToyMessage): Uint8Array {
    return Buffer.from(`${formatToyMessage(message)}\n`, 'utf8');
  }
  describe(message: ToyMessage): string {
    return describeToyMessage(message);
  }
}
