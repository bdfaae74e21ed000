import { spawn, type ChildProcess } from 'node:child_process';

/** One `switchboard serve --cluster` node as a child process of the demo. */
export interface NodeProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  alive(): boolean;
  output(): string;
  /** SIGTERM and wait for the graceful exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/**
 * The command line that runs this very `switchboard` CLI again (bundled bin,
 * or from source under tsx): node flags kept, so a child runs the same code.
 */
function cliCommand(args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1]!, ...args] };
}

/** Starts `switchboard serve` with these flags on port 0 and resolves with the URL it printed. */
export async function startNodeProcess(name: string, dataDir: string, flags: string[], env: NodeJS.ProcessEnv): Promise<NodeProcess> {
  const { command, args } = cliCommand(['serve', '--port', '0', '--data-dir', dataDir, ...flags]);
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 100_000) output = output.slice(-50_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /Switchboard console: (https?:\/\/\S+)/.exec(output);
      if (m) {
        child.stdout!.off('data', check);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output.slice(-3000)}`)));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    dataDir,
    alive,
    output: () => output,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    }
  };
}
