import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliArgs, runCli } from '../cli';
import { tempDir } from '../core';
import { STATE_DEADLINE_MS } from '../waitFor';

const root = path.join(__dirname, '..', '..', '..');

/** A real `switchboard serve` child process, started from source or from `npm test`'s build (see cliArgs). */
export interface ServeProcess {
  url: string;
  port: number;
  /** PID of the node process that runs the core itself (not a wrapper): kill -9 hits the server. */
  pid: number;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** Lines the server logged at error level or above (pino level >= 50): internal failures, not refusals. */
  errorLines: { count: number; examples: string[] };
  /** Resident set size of the server process in MB, from /proc (null once it has exited). */
  rssMb(): number | null;
  /** Open file descriptors of the server process (sockets, database files...). */
  openHandles(): number | null;
  /** SIGKILL: no shutdown hook, no flush, like a power cut for the process. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<number | null>;
}

export interface StartServeOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Flags for the server's node process itself (e.g. --expose-gc, --import of a test-only preload). */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts `switchboard serve --port 0` in one node process (never the tsx
 * wrapper, which forks a second node: a kill -9 of the wrapper would orphan the
 * real server) and waits for the line that names its URL.
 */
export async function startServe(options: StartServeOptions = {}): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? tempDir('switchboard-rel-');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...cliArgs(), 'serve', '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  let partial = '';
  const errorLines = { count: 0, examples: [] as string[] };
  // Keep only the tail: a fuzz run makes the server log hundreds of thousands of warnings.
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (/^\{"level":(5\d|60)\b/.test(line)) {
        errorLines.count += 1;
        if (errorLines.examples.length < 5) errorLines.examples.push(line.slice(0, 600));
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${output.slice(-4000)}`)), options.timeoutMs ?? 60_000);
    const check = () => {
      const m = /Switchboard console: (https?:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`));
    });
  });
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc = (file: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return null;
    }
  };
  return {
    url,
    port: Number(new URL(url).port),
    pid,
    dataDir,
    child,
    output: () => output,
    errorLines,
    rssMb() {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      const m = /VmRSS:\s+(\d+) kB/.exec(proc('status') ?? '');
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
    },
    openHandles() {
      try {
        return fs.readdirSync(`/proc/${pid}/fd`).length;
      } catch {
        return null;
      }
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A graceful stop on a busy machine can take a while; one that never ends is a failure that says so.
        let gaveUp = false;
        const timer = setTimeout(() => {
          gaveUp = true;
          child.kill('SIGKILL');
        }, STATE_DEADLINE_MS);
        await exited;
        clearTimeout(timer);
        if (gaveUp) throw new Error(`serve did not exit within ${STATE_DEADLINE_MS} ms of SIGTERM; its last output:\n${output.slice(-3000)}`);
      }
      return child.exitCode;
    }
  };
}

/** Adds an operator account to a data directory through the real CLI (password on stdin). */
export function addOperator(dataDir: string, username: string, role: 'dispatcher' | 'supervisor' | 'admin' | 'auditor', password: string): void {
  const res = runCli(['user', 'add', '--username', username, '--role', role, '--data-dir', dataDir], { input: password });
  if (res.code !== 0) throw new Error(`user add failed (${res.code}): ${res.stderr}`);
}

/** The JWT signing secret `serve` created in its data directory. */
export const jwtSecretOf = (dataDir: string): string => fs.readFileSync(path.join(dataDir, 'jwt.secret'), 'utf8').trim();
