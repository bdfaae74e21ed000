import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OperatorRole } from '../../../shared/roles';
import { createCadSimulator, type CadSimulator, type CadSimulatorOptions } from '../../cadsim/cadSimulator';
import { recordIssuedToken } from '../../core/auth/deviceRegistry';
import { createCore } from '../../core/createCore';
import type { Logger } from '../../core/logger';
import { startSimulatedDevices, type SimulatedDevicesOptions } from '../../devices';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { installLastResortHandlers } from '../../core/lastResort';
import { builtRendererDir, closeOnSignals, exitAfterClose } from './serve';

const DEMO_CAD_UNITS = 18;
/** CAD units whose crews also carry a simulated MDT reporting to the hub. */
const DEMO_MDT_UNITS = 5;
const DEMO_OPENING_CALLS = 6;
/** One account per role, so a newcomer can see how roles shape the console. */
export const DEMO_OPERATORS: ReadonlyArray<{ username: string; role: OperatorRole }> = [
  { username: 'demo', role: 'admin' },
  { username: 'dana', role: 'dispatcher' },
  { username: 'sam', role: 'supervisor' },
  { username: 'audrey', role: 'auditor' }
];

/** The demo city's CAD simulator (also `switchboard cluster-demo`'s). */
export function demoCadOptions(token: string): CadSimulatorOptions {
  return {
    token,
    port: 0,
    host: '127.0.0.1',
    // One consistent city the units can serve: a call takes a unit about 40 simulated
    // minutes (drive, scene, transport, handover), so 18 units carry about 0.45 calls a
    // simulated minute. At 0.3 (1.5 a real minute at timeScale 5) the queue stays workable.
    // The CAD dispatches routine calls (P3, P4) itself and leaves P1 and P2 to the
    // dispatcher; a call nobody assigns within 10 simulated minutes it dispatches too.
    units: DEMO_CAD_UNITS,
    incidentsPerMinute: 0.3,
    timeScale: 5,
    tickMs: 1000,
    metricsEveryTicks: 10,
    autoDispatch: { priorities: [3, 4] },
    autoDispatchAfterMs: 10 * 60_000
  };
}

/** A few calls already in when the console opens, so a newcomer has a queue to work at once. */
export function openDemoCalls(sim: CadSimulator): void {
  for (let i = 0; i < DEMO_OPENING_CALLS; i += 1) sim.world.createIncident();
}

/** The MDT crews are CAD units (no separate "M1..M5" that look available but cannot be assigned). */
export function demoCrewUnits(sim: CadSimulator): NonNullable<SimulatedDevicesOptions['crewUnits']> {
  return {
    ids: [...sim.state.units.keys()].slice(0, DEMO_MDT_UNITS),
    positionOf(unitId) {
      const unit = sim.state.units.get(unitId);
      if (!unit?.location) return null;
      return { latitude: unit.location.lat, longitude: unit.location.lon, heading: unit.heading ?? 0, status: unit.status };
    }
  };
}

export interface DemoOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  /** Multiplies device intervals (tests use less than 1 for a livelier city). */
  deviceSpeed?: number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
}

export interface Demo {
  url: string;
  cadUrl: string;
  username: string;
  password: string;
  /** Each demo account's password, generated on first start; null for an account a previous run created. */
  passwords: Record<string, string | null>;
  dataDir: string;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * A living city in one call: the core, the CAD simulator on its own port with a
 * fresh token, simulated field devices connected through the hub's real
 * protocol, and demo operator accounts.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-demo-')));
  const cadToken = randomBytes(24).toString('base64url');
  const sim = await createCadSimulator(demoCadOptions(cadToken));
  // A few calls already in when the console opens, so a newcomer has a queue to work at once.
  openDemoCalls(sim);
  let core;
  try {
    core = await createCore({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8780,
      dataDir,
      rendererDir: builtRendererDir(),
      logLevel: options.logLevel ?? 'warn',
      cad: { url: sim.url, token: cadToken }
    });
  } catch (err) {
    await sim.close();
    throw err;
  }
  // Random passwords, one per account and printed once: a demo reachable from a network must not have a known admin password.
  const passwords: Record<string, string | null> = {};
  for (const op of DEMO_OPERATORS) {
    if (await core.operators.find(op.username)) passwords[op.username] = null;
    else {
      passwords[op.username] = randomBytes(12).toString('base64url');
      await core.operators.add(op.username, passwords[op.username]!, op.role);
    }
  }
  const devices = await startSimulatedDevices({
    url: core.url,
    token: async (identity) => {
      const issued = await core.tokens.sign(identity, 7 * 24 * 3600);
      await recordIssuedToken(core.database.db, { jti: issued.jti, identity, issuedBy: 'demo', expiresAt: issued.expiresAt });
      return issued.token;
    },
    speed: options.deviceSpeed ?? 1,
    crewUnits: demoCrewUnits(sim)
  });
  return {
    url: core.url,
    cadUrl: sim.url,
    username: 'demo',
    password: passwords.demo ?? '(set on the first run of this data directory)',
    passwords,
    dataDir,
    logger: core.logger,
    async close() {
      devices.stop();
      await core.close();
      await sim.close();
    }
  };
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Start the console with a CAD simulator, simulated field devices and demo accounts.',
  usage: 'switchboard demo [--port 8780] [--host 127.0.0.1] [--data-dir DIR (default: a fresh temp dir)]',
  async run(argv) {
    const v = parseFlags(argv, { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } });
    const port = v.port === undefined ? 8780 : Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535.');
    const demo = await startDemo({ port, host: v.host, dataDir: v['data-dir'] });
    installLastResortHandlers({ context: 'demo', logger: demo.logger, giveUp: () => exitAfterClose(demo) });
    const shown = (name: string) => demo.passwords[name] ?? '(kept from an earlier run)';
    const accounts = DEMO_OPERATORS.filter((o) => o.username !== demo.username)
      .map((o) => `    ${o.username.padEnd(8)} ${o.role.padEnd(10)} password ${shown(o.username)}`)
      .join('\n');
    return new Promise<number>((resolve) => {
      // Signal handlers before the ready lines (see serve).
      closeOnSignals(demo, () => resolve(0));
      process.stdout.write(
        [
          `Switchboard console: ${demo.url}`,
          `Demo credentials: username ${demo.username} password ${shown(demo.username)}`,
          `  Other accounts (each its own password, shown only now):\n${accounts}`,
          `  CAD simulator: ${demo.cadUrl}   data: ${demo.dataDir}`,
          'Press Ctrl-C to stop.',
          ''
        ].join('\n')
      );
    });
  }
};
