import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The load generator (loadClient.ts) in its own process, so client work does not share the server's event loop. */
export class LoadGenerator {
  private child: ChildProcess;
  private pending: Array<(v: unknown) => void> = [];
  readonly ready: Promise<unknown>;
  constructor(env: Record<string, string> = {}) {
    this.child = fork(path.join(__dirname, 'loadClient.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
      stdio: 'inherit',
      env: { ...process.env, ...env }
    });
    this.child.on('message', (m) => this.pending.shift()?.(m));
    // A generator that dies must not leave the bench waiting for ever.
    this.child.on('exit', (code) => {
      for (const answer of this.pending.splice(0)) answer({ error: `the load generator exited (${code})` });
    });
    this.ready = new Promise((resolve) => this.pending.push(resolve));
  }
  get pid(): number {
    return this.child.pid ?? NaN;
  }
  call<T>(message: Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      this.pending.push(resolve as (v: unknown) => void);
      this.child.send(message);
    });
  }
  stop() {
    this.child.kill();
  }
}
