import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, stopChild } from './engines';
import { pollUntil } from './pollUntil';

export interface LocalHaproxy {
  url: string;
  port: number;
  pid: number;
  /** What HAProxy said (server state changes: "node-2 is DOWN"), the last 20 kB. */
  output(): string;
  stop(): Promise<void>;
}

/** docs/cluster/haproxy.cfg, found from source (src/main/clusterDemo) and from the bundle (out/main) alike. */
function referenceConfigPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'docs', 'cluster', 'haproxy.cfg');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error('docs/cluster/haproxy.cfg not found above ' + __dirname);
  }
}

/**
 * HAProxy with the reference configuration (docs/cluster/haproxy.cfg), its port
 * and servers filled in for this machine: what the demo, tests and benchmark
 * measure is the documented setup, not a look-alike. Ready when it answers
 * through a live backend.
 */
export async function startHaproxy(backends: Array<{ name: string; port: number }>, options: { port?: number; host?: string } = {}): Promise<LocalHaproxy> {
  const port = options.port || (await freePort());
  const host = options.host ?? '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-haproxy-'));
  const servers = backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port} check cookie ${b.name}`).join('\n');
  const config = fs
    .readFileSync(referenceConfigPath(), 'utf8')
    .replace(/^\s*bind .*$/m, `    bind ${host}:${port}`)
    .replace(/^\s*server .*$/gm, '')
    .replace(/# servers:.*$/m, servers)
    // A single machine's file limit is lower than a production balancer's; no syslog, no daemon here.
    .replace(/^\s*maxconn \d+$/m, '    maxconn 2000')
    .replace(/^\s*(log|option httplog|stats socket|chroot|user|group|daemon)\b.*$/gm, '');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const child: ChildProcess = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 40_000) stderr = stderr.slice(-20_000);
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', (err) => {
    exited = true;
    stderr += `${err.message} (is the Debian package haproxy installed? node scripts/systemPackages.js)`;
  });
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  await pollUntil(`HAProxy on port ${port} to route to a node`, async () => {
    if (exited) throw new Error(`haproxy exited at start: ${stderr}`);
    try {
      return (await fetch(`${url}/api/openapi.json`)).status === 200;
    } catch {
      return false;
    }
  });
  return {
    url,
    port,
    pid: child.pid!,
    output: () => stderr,
    async stop() {
      await stopChild(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
