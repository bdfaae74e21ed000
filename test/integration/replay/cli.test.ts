import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { runCli } from '../../helpers/cli';
import { tempDir, type TestCore } from '../../helpers/core';
import { startBridgedCore, startSim, waitFor, type RelayRecord } from '../bridge/harness';

let sim: CadSimulator | undefined;
let running: (TestCore & { relayed: RelayRecord[] }) | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

describe('switchboard replay and incident-report', () => {
  it('prints the picture at a moment and writes a report whose evidence verify --export accepts', async () => {
    sim = await startSim({ units: 4 });
    running = await startBridgedCore(sim.url);
    const { core, dataDir } = running;
    const incident = sim.world.createIncident({ priority: 2, type: 'fall' });
    await waitFor('the call in the picture', () => core.services.dispatch.incident(incident.id));
    const [unit] = [...sim.state.units.values()].filter((u) => u.status === 'available');
    sim.world.assign(unit!, incident);
    await waitFor('the assignment applied', () => core.services.dispatch.unit(unit!.id)?.incident_id === incident.id);
    await core.services.log.flush();
    const moment = new Date().toISOString();
    await running.close();
    running = undefined;

    const replay = runCli(['replay', '--at', moment, '--data-dir', dataDir, '--actor', 'ann']);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    const picture = JSON.parse(replay.stdout) as { units: Array<{ id: string; incident_id: string | null }>; chain: { ok: boolean } };
    expect(picture.units.find((u) => u.id === unit!.id)?.incident_id).toBe(incident.id);
    expect(picture.chain.ok).toBe(true);

    const out = path.join(tempDir('switchboard-report-'), 'incident.json');
    const report = runCli(['incident-report', incident.id, '--out', out, '--data-dir', dataDir, '--actor', 'ann']);
    expect(report.code, report.stderr).toBe(0);
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { incident_id: string; steps: unknown[] };
    expect(written.incident_id).toBe(incident.id);
    expect(written.steps.length).toBeGreaterThan(2);
    const evidence = out.replace(/\.json$/, '.evidence.ndjson');
    const verified = runCli(['verify', '--export', evidence, '--data-dir', dataDir]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const bad = runCli(['replay', '--at', 'yesterday-ish', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--at must be a date and time/);
  });
});
