// Run the built `spv` CLI (dist/spv.js, built once by tests/global-setup.js) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SPV = resolve(ROOT, 'dist/spv.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [SPV, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Start a long-running command and wait until its stdout matches `ready`. */
export async function startCli(args: string[], ready: RegExp, timeoutMs = 15000): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [SPV, ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const match = await new Promise<RegExpMatchArray>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out waiting for ${ready}; stdout=${out} stderr=${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    });
    child.on('exit', (code) => rej(new Error(`exited ${code} before ready; stderr=${err}`)));
  });
  return { child, match, output: () => out + err };
}

export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res(child.exitCode);
    child.once('exit', (code) => res(code));
    child.kill(signal);
  });
}
