/**
 * The parse step of a reconnect reload (reconnect.bench.ts): the console checks
 * the dispatch snapshot it gets back, 2,000 units and 500 incidents from the
 * CAD simulator, against DispatchSnapshotSchema. The console's Content-Security-
 * Policy forbids zod's generated fast path, so the schema runs interpreted there
 * (jitless here, the same code path); the hand-written acceptor
 * (src/shared/contract/snapshotAcceptor.ts) now goes first. CPU ms per snapshot,
 * both in this process, rounds alternated.
 * Run: npx tsx bench/console/reconnectParse.ts [--units=2000 --incidents=500]
 */
import os from 'node:os';
import { z } from 'zod';
import { createCadSimulator } from '../../src/main/cadsim/cadSimulator';
import { createDispatchState } from '../../src/main/core/dispatch/dispatchState';
import { DispatchSnapshotSchema } from '../../src/shared/contract/dispatch';
import { acceptDispatchSnapshot } from '../../src/shared/contract/snapshotAcceptor';
import { cpuMicrosPerCall } from '../lib/cpuPerCall';
import { median, report, round } from '../lib/report';
import { arg } from './harness';

async function main() {
  const units = arg('units', 2000);
  const incidents = arg('incidents', 500);
  z.config({ jitless: true });
  const cad = await createCadSimulator({ token: 'parse-bench-token-0123456789', port: 0, tickMs: 0, units, incidentsPerMinute: 0, autoDispatch: false });
  for (let i = 0; i < incidents; i += 1) cad.world.createIncident();
  const state = createDispatchState();
  state.replace(cad.snapshot());
  // As the console receives it: JSON over the /console namespace.
  const wire = JSON.stringify(state.snapshot());
  await cad.close();
  const fresh = () => JSON.parse(wire) as unknown;
  if (acceptDispatchSnapshot(fresh()) === undefined) throw new Error('the acceptor left a valid snapshot to the schema: nothing to measure');
  const zodMs: number[] = [];
  const fastMs: number[] = [];
  const parseOnly = (fn: (v: unknown) => unknown) => {
    const copies = Array.from({ length: 4 }, fresh);
    let i = 0;
    return () => fn(copies[i++ & 3]);
  };
  for (let r = 0; r < 3; r += 1) {
    zodMs.push(cpuMicrosPerCall(parseOnly((v) => DispatchSnapshotSchema.safeParse(v)), 3, 3) / 1000);
    fastMs.push(cpuMicrosPerCall(parseOnly(acceptDispatchSnapshot), 3, 3) / 1000);
  }
  const load = os.loadavg().map((l) => round(l, 2));
  console.log(`load average ${load.join(' ')}`);
  report('console-snapshot-parse', { units, incidents, snapshot_kb: round(wire.length / 1024, 1), zod: 'jitless (as under the console CSP)', load_average: load }, [
    { metric: `check of the reload snapshot (${units} units, ${incidents} incidents), CPU ms (acceptor vs zod schema)`, value: round(median(fastMs), 1), baseline: round(median(zodMs), 1), ratio: median(fastMs) / median(zodMs) }
  ]);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
