import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const runner = path.join(__dirname, 'runCli.ts');

/** Runs a CLI command to completion (from source) and returns its output. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(tsx, [runner, ...args], {
    cwd: root,
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 60_000
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Starts a long-running CLI command (serve, cad-sim, demo) and waits for a line matching `ready`. */
export async function startCli(
  args: string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> }> {
  const child = spawn(tsx, [runner, ...args], { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not print ${ready} in time:\n${output}`)), options.timeoutMs ?? 30_000);
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
