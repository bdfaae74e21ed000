import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STATE_DEADLINE_MS } from './waitFor';

const root = path.join(__dirname, '..', '..');
const runner = path.join(__dirname, 'runCli.ts');
const built = path.join(root, 'bin', 'switchboard.js');

/**
 * The node arguments that run the `switchboard` CLI. From source by default
 * (`node --import tsx`, not the `tsx` wrapper: the wrapper relays SIGTERM to its
 * child and SIGKILLs it (exit 143) unless the child answers within 30 ms, which a
 * busy machine misses; with the loader in-process, the signal reaches our own
 * handler). `npm test` builds first and sets SWITCHBOARD_TEST_BUILT=1: every
 * spawned command then runs that build, which starts on half the CPU of
 * compiling the sources again in each of the suite's hundreds of child processes.
 */
export function cliArgs(): string[] {
  if (process.env.SWITCHBOARD_TEST_BUILT === '1' && fs.existsSync(path.join(root, 'out', 'main', 'cli.js'))) return [built];
  return ['--import', 'tsx', runner];
}
const cliCommand = [process.execPath, ...cliArgs()] as const;

/** Runs a CLI command to completion (from source) and returns its output. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(cliCommand[0], [...cliCommand.slice(1), ...args], {
    cwd: root,
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 3 * STATE_DEADLINE_MS
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Starts a long-running CLI command (serve, cad-sim, demo) and waits for a line matching `ready`. */
export async function startCli(
  args: string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> }> {
  const child = spawn(cliCommand[0], [...cliCommand.slice(1), ...args], { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not print ${ready} in time:\n${output}`)), options.timeoutMs ?? STATE_DEADLINE_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`CLI exited (${code}) before ready:\n${output}`)));
  });
  return {
    child,
    match,
    output: () => output,
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    }
  };
}
