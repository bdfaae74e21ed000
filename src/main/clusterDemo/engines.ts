import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { pollUntil } from './pollUntil';

/**
 * Throwaway PostgreSQL and Redis servers for `switchboard cluster-demo`, the
 * cluster tests and the cluster benchmark: real engines (Debian's `postgresql`
 * and `redis-server`, from scripts/systemPackages.js) on free loopback ports, in
 * temp folders, stopped by their own PIDs. Nothing is assumed to be running on
 * the machine. Not for production: fsync is off and Redis keeps nothing on disk.
 */

/** The newest PostgreSQL that Debian installed (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = majors.map((m) => path.join(root, m, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  if (!bin) throw new Error('PostgreSQL is not installed: run `node scripts/systemPackages.js` (it installs the Debian package postgresql).');
  return bin;
}

/** A TCP port nobody listens on right now (the engine binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs a PostgreSQL tool as `postgres` when we are root (initdb and postgres refuse
 * root). `setpriv` execs the tool in place (runuser forks and keeps signals to
 * itself), so the child's PID is the postmaster's own and stopping by PID works.
 */
function asPostgres(command: string, args: string[]): { command: string; args: string[] } {
  return isRoot() ? { command: 'setpriv', args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args] } : { command, args };
}

function chownToPostgres(dir: string): void {
  if (isRoot()) {
    const res = spawnSync('chown', ['-R', 'postgres:postgres', dir]);
    if (res.status !== 0) throw new Error(`chown postgres ${dir} failed: ${res.stderr.toString()}`);
  }
}

/** A folder postgres may write (its temp parents must be traversable by it). */
function engineTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

let templateDir: string | null = null;

/**
 * One initdb per test process, copied per server: copying a prepared data
 * directory is several times faster than initdb.
 */
function templateDataDir(): string {
  if (templateDir && fs.existsSync(path.join(templateDir, 'PG_VERSION'))) return templateDir;
  const root = engineTempDir('switchboard-pg-template-');
  const data = path.join(root, 'data');
  chownToPostgres(root);
  const { command, args } = asPostgres(path.join(postgresBinDir(), 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const res = spawnSync(command, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`initdb failed (${res.status}): ${res.stderr}`);
  templateDir = data;
  process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return data;
}

export interface LocalPostgres {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** A client for assertions (closed by stop()). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  stop(): Promise<void>;
}

/** Starts a throwaway PostgreSQL on a free loopback port; resolves once it accepts connections. */
export async function startPostgres(): Promise<LocalPostgres> {
  const template = templateDataDir();
  const root = engineTempDir('switchboard-pg-');
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  fs.cpSync(template, dataDir, { recursive: true });
  fs.mkdirSync(socketDir);
  chownToPostgres(root);
  fs.chmodSync(dataDir, 0o700);
  const port = await freePort();
  const { command, args } = asPostgres(path.join(postgresBinDir(), 'postgres'), [
    '-D', dataDir,
    '-c', 'listen_addresses=127.0.0.1',
    '-p', String(port),
    '-c', `unix_socket_directories=${socketDir}`,
    '-c', 'fsync=off', // a throwaway server: durability against the OS is not what a demo or test proves
    '-c', 'max_connections=200',
    '-c', 'logging_collector=off'
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let exited = false;
  child.on('exit', () => (exited = true));
  await pollUntil(`PostgreSQL on port ${port} to accept connections`, async () => {
    if (exited) throw new Error(`PostgreSQL exited at start: ${stderr.join('').slice(-2000)}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // The server's "terminating connection" at stop reaches idle clients as an error event: expected here.
  pool.on('error', () => undefined);
  return {
    url,
    port,
    pid: child.pid!,
    dataDir,
    query: (text, values) => pool.query(text, values),
    async stop() {
      await pool.end().catch(() => undefined);
      await stopChild(child, 'SIGINT'); // fast shutdown
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  /** Kills it (SIGKILL) and starts it again on the same port, empty: the "restart Redis" round. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a throwaway Redis on a free loopback port, without persistence; resolves once it answers PING. */
export async function startRedis(): Promise<LocalRedis> {
  const port = await freePort();
  const dir = engineTempDir('switchboard-redis-');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await pollUntil(`Redis on port ${port} to answer PING`, async () => {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        await client.disconnect().catch(() => undefined);
      }
    });
  };
  await launch();
  return {
    url,
    port,
    get pid() {
      return child.pid!;
    },
    async restart() {
      await stopChild(child, 'SIGKILL');
      await launch();
    },
    async stop() {
      await stopChild(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Signals a child by its PID and resolves when it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
