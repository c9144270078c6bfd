// Implementation of `spv decode` (loaded only when the command runs): reads the input, takes it
// apart with wire/describe, prints each frame's summary and annotated bytes (or JSON), and
// exits 1 when any frame has a problem.
import * as fs from 'node:fs';
import { UsageError } from '../../util/errors.js';
import { decodeBarePayload, decodeFrames, type DecodedFrame } from '../../wire/describe/frames.js';
import { messageFields, renderDump, summarizeMessage } from '../../wire/describe/index.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { terminalPaint } from '../observe.js';
import type { DecodeArgs } from '../commands/decode.js';

const HEX_TEXT = /^(0x)?[0-9a-fA-F\s]*$/;

/** Hex text (whitespace and a 0x prefix allowed) as bytes; other content as raw bytes. */
export function bytesFromInput(content: Buffer, fromText: boolean): Uint8Array {
  const text = content.toString('latin1');
  if (fromText || HEX_TEXT.test(text)) {
    const hex = text.replace(/^0x/, '').replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new UsageError('bad_hex', 'input is not hex (give raw bytes with @FILE or -)');
    if (hex.length % 2 !== 0) throw new UsageError('bad_hex', `input has an odd number of hex digits (${hex.length})`);
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  }
  return Uint8Array.from(content);
}

function readInput(input: string): Uint8Array {
  // yargs hands a lone `-` positional over as '' (and an empty argument means nothing else).
  if (input === '-' || input === '') return bytesFromInput(fs.readFileSync(0), false);
  if (input.startsWith('@')) {
    try {
      return bytesFromInput(fs.readFileSync(input.slice(1)), false);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError('bad_input', `cannot read ${input.slice(1)}: ${(err as Error).message}`);
    }
  }
  return bytesFromInput(Buffer.from(input, 'latin1'), true);
}

function frameJson(f: DecodedFrame): Record<string, unknown> {
  return {
    offset: f.offset,
    length: f.length,
    command: f.command ?? null,
    summary: f.message ? summarizeMessage(f.message) : null,
    fields: f.message ? messageFields(f.message) : null,
    spans: f.annotated?.spans.map((s) => ({ offset: s.offset + f.offset, length: s.length, name: s.name, value: s.value })) ?? [],
    error: f.problem ?? null,
  };
}

export async function runDecode(args: DecodeArgs): Promise<number> {
  if (args.capture !== undefined) {
    const { runCaptureShow } = await import('./capture-show.js');
    return runCaptureShow({ path: args.capture, view: 'summary', json: args.json, full: args.full });
  }
  if (args.input === undefined) throw new UsageError('no_input', 'give the bytes to decode: hex, @FILE, or - for stdin');
  const params = resolveNetwork(args);
  const bytes = readInput(args.input);
  const frames = args.command !== undefined ? [decodeBarePayload(args.command, bytes)] : decodeFrames(bytes, params.magic, params.name);
  const failed = frames.some((f) => f.problem);
  if (args.json) {
    printJson({ network: params.name, bytes: bytes.length, frames: frames.map(frameJson), ok: !failed });
    return failed ? EXIT_FAILURE : EXIT_OK;
  }
  if (bytes.length === 0) printLine('(no bytes)');
  const paint = terminalPaint(process.stdout);
  frames.forEach((f, i) => {
    const what = f.message ? summarizeMessage(f.message) : (f.command ?? '?');
    const label = args.command !== undefined ? `payload (${bytes.length} bytes)` : `frame ${i + 1} at offset ${f.offset} (${f.length} bytes)`;
    if (i > 0) printLine();
    printLine(f.message || f.command ? `${label}: ${what}` : label);
    if (f.annotated) for (const l of renderDump(f.annotated, { paint, full: args.full, base: f.offset })) printLine(`  ${l}`);
    if (f.problem) printLine(`  ${paint ? paint('error', `error: ${f.problem.text}`) : `error: ${f.problem.text}`}`);
  });
  return failed ? EXIT_FAILURE : EXIT_OK;
}
