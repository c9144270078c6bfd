// Implementation of `spv capture show` (and `spv decode --capture`): reads every msgs_*.dat
// under a path (ours or Bitcoin Core's), merges the records of all peers in time order, and
// prints them as a trace, or with --json as one array shaped like Core's
// message-capture-parser.py output (direction, time, size, msgtype, body, error) plus peer
// and summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../util/errors.js';
import { toHex } from '../../util/bytes.js';
import { CAPTURE_RECV_FILE, CAPTURE_SENT_FILE, parseCaptureFile, type CaptureRecord } from '../../wire/capture.js';
import { decodePayload, isKnownCommand } from '../../wire/envelope.js';
import type { Message } from '../../wire/message.js';
import { annotateCaptureRecord, messageFields, renderDump, renderFields, summarizeMessage, plain } from '../../wire/describe/index.js';
import { printJson, printLine } from '../output.js';
import { EXIT_OK } from '../exit.js';
import { terminalPaint } from '../observe.js';

interface Entry {
  readonly peer: string;
  readonly direction: 'recv' | 'sent';
  readonly record: CaptureRecord;
  readonly message?: Message;
  readonly error?: string;
}

/** Core's parser: the direction is "recv" when the file's stem contains "recv", else "sent". */
function directionOf(file: string): 'recv' | 'sent' {
  return path.basename(file, path.extname(file)).includes('recv') ? 'recv' : 'sent';
}

/** Every capture file under `p`: a file, a peer folder, or a folder of peer folders. */
export function captureFiles(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new UsageError('no_capture', `no such file or directory: ${p}`);
  }
  if (st.isFile()) return [p];
  const own = [CAPTURE_RECV_FILE, CAPTURE_SENT_FILE].map((f) => path.join(p, f)).filter((f) => fs.existsSync(f));
  if (own.length > 0) return own;
  const out: string[] = [];
  for (const d of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!d.isDirectory()) continue;
    for (const f of [CAPTURE_RECV_FILE, CAPTURE_SENT_FILE]) if (fs.existsSync(path.join(p, d.name, f))) out.push(path.join(p, d.name, f));
  }
  if (out.length === 0) throw new UsageError('no_capture', `${p}: no ${CAPTURE_RECV_FILE} / ${CAPTURE_SENT_FILE} here or in its folders`);
  return out;
}

function decodeRecord(r: CaptureRecord): { message?: Message; error?: string } {
  // Core's parser words: "Unrecognized message type." / "Unable to deserialize message."
  if (!isKnownCommand(r.command)) return { error: 'Unrecognized message type.' };
  try {
    return { message: decodePayload(r.command, r.payload) };
  } catch (err) {
    return { error: `Unable to deserialize message. (${(err as Error).message})` };
  }
}

/** All records of all files, in time order (ties keep file order, as a stable sort does). */
export function readCapture(p: string, warn: (text: string) => void): Entry[] {
  const entries: Entry[] = [];
  for (const file of captureFiles(p)) {
    const parsed = parseCaptureFile(new Uint8Array(fs.readFileSync(file)));
    if (parsed.tornBytes > 0) warn(`${file}: ${parsed.tornBytes} bytes after the last whole record ignored (a torn write)`);
    const peer = path.basename(path.dirname(path.resolve(file)));
    for (const record of parsed.records) entries.push({ peer, direction: directionOf(file), record, ...decodeRecord(record) });
  }
  return entries.sort((a, b) => (a.record.timeUs < b.record.timeUs ? -1 : a.record.timeUs > b.record.timeUs ? 1 : 0));
}

function isoMicros(us: bigint): string {
  const iso = new Date(Number(us / 1000n)).toISOString();
  return `${iso.slice(0, 23)}${(us % 1000n).toString().padStart(3, '0')}Z`;
}

export async function runCaptureShow(args: { path: string; view: string; json?: boolean; full?: boolean }): Promise<number> {
  // A torn last record (a writer still running, or killed mid-write) is a warning, not a failure.
  const entries = readCapture(args.path, (text) => void process.stderr.write(`spv: warning: ${text}\n`));
  if (args.json) {
    printJson(
      entries.map((e) => ({
        direction: e.direction,
        time: e.record.timeUs.toString(),
        size: e.record.payload.length,
        msgtype: e.record.command,
        ...(e.message ? (e.record.payload.length > 0 ? { body: messageFields(e.message) } : {}) : { body: toHex(e.record.payload) }),
        ...(e.error ? { error: e.error } : {}),
        peer: e.peer,
        summary: e.message ? summarizeMessage(e.message) : null,
      })),
    );
    return EXIT_OK;
  }
  const paint = terminalPaint(process.stdout) ?? plain;
  for (const e of entries) {
    const arrow = e.direction === 'recv' ? '← recv' : '→ sent';
    const what = e.message ? summarizeMessage(e.message) : `${e.record.command} ${paint('error', e.error ?? '')}`;
    printLine(`${paint('time', isoMicros(e.record.timeUs))} ${paint('peer', e.peer)} ${paint(e.direction, arrow)} ${String(e.record.payload.length).padStart(7)} B  ${paint('command', what)}`);
    if (args.view === 'fields' && e.message) for (const l of renderFields(messageFields(e.message), { paint, indent: '    ' })) printLine(l);
    if (args.view === 'hex') for (const l of renderDump(annotateCaptureRecord(e.record.timeUs, e.record.command, e.record.payload, e.message), { paint, full: args.full })) printLine(`    ${l}`);
  }
  if (entries.length === 0) printLine('(no messages)');
  return EXIT_OK;
}
