// Turns --trace and --capture into the one message observer a command hands to node creation:
// the trace goes to stderr (coloured on a terminal, plain otherwise, JSON lines with --json),
// the capture to Core-format files. Without either flag nothing is loaded and nothing observes.
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';
import type { Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import type { Paint, PaintRole } from '../wire/describe/render.js';
import type { TraceArgs } from './common-options.js';
import { hashToDisplay } from '../util/bytes.js';

export interface Observation {
  readonly observer: MessageObserver<Message> | undefined;
  /** Flushes the capture files (call on exit). */
  close(): void;
}

const ANSI: Readonly<Record<PaintRole, string>> = {
  time: '2',
  peer: '36',
  recv: '32',
  sent: '35',
  command: '1',
  offset: '2',
  bytes: '33',
  name: '36',
  value: '0',
  note: '2',
  error: '31',
};

/**
 * ANSI colours per role, or undefined (plain text) when the stream is not a terminal or NO_COLOR
 * is set. https://no-color.org: "when present and not an empty string" NO_COLOR prevents colour,
 * whatever its value (`NO_COLOR=0` too); an empty NO_COLOR is as if unset.
 */
export function terminalPaint(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint | undefined {
  if (stream.isTTY !== true) return undefined;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return undefined;
  return (role, text) => (ANSI[role] === '0' ? text : `\x1b[${ANSI[role]}m${text}\x1b[0m`);
}

export async function observeFromArgs(
  args: TraceArgs & { json?: boolean },
  params: NetworkParams,
  log: Log,
  heightOf?: (hash: Uint8Array) => number | undefined,
): Promise<Observation> {
  if (args.trace === undefined && args.capture === undefined) return { observer: undefined, close: () => {} };
  const [{ MessageTracer }, { CaptureWriter }, { combineObservers }] = await Promise.all([
    import('../bitcoin/trace.js'),
    import('../bitcoin/capture-writer.js'),
    import('../net/observer.js'),
  ]);
  const tracer =
    args.trace === undefined
      ? undefined
      : new MessageTracer({
          mode: args.trace as 'summary' | 'fields' | 'hex',
          json: args.json,
          write: (text) => void process.stderr.write(`${text}\n`),
          paint: args.json ? undefined : terminalPaint(process.stderr),
          magic: params.magic,
          heightOf,
        });
  const capture = args.capture === undefined ? undefined : new CaptureWriter(args.capture, { log });
  if (capture) log.info(`capturing messages to ${args.capture} (Bitcoin Core -capturemessages format)`);
  return { observer: combineObservers<Message>(tracer, capture), close: () => capture?.close() };
}

/** Heights from an SpvClient's store (undefined before it has one, or without one: --no-sync). */
export function clientHeights(client: () => { header(hash: string): { height: number } | undefined } | undefined): (hash: Uint8Array) => number | undefined {
  return (hash) => {
    try {
      return client()?.header(hashToDisplay(hash))?.height;
    } catch {
      return undefined;
    }
  };
}

/** A height lookup on a header chain, for summaries (`headers 2000 (1..2000)`). */
export function chainHeights(chain: { heightOf(hash: Uint8Array): number }): (hash: Uint8Array) => number | undefined {
  return (hash) => {
    const h = chain.heightOf(hash);
    return h < 0 ? undefined : h;
  };
}
