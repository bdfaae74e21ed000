import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { createSelfSignedCertificate } from '../../../src/main/core/http/selfSignedCert';
import { tempDir, type TestCore } from '../../helpers/core';
import { CAD_TOKEN, inSync, startBridgedCore, startSim, waitFor } from './harness';

let sim: CadSimulator | undefined;
let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

describe('the CAD link over TLS', () => {
  it('connects to an https:// CAD whose certificate is trusted through --cad-ca, and refuses one it cannot verify', async () => {
    const pair = createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost'] });
    const dir = tempDir('switchboard-cad-tls-');
    const caFile = path.join(dir, 'cad-ca.pem');
    fs.writeFileSync(caFile, pair.certPem);
    sim = await startSim({ units: 4, tls: { cert: pair.certPem, key: pair.keyPem } });
    expect(sim.url).toMatch(/^https:\/\//);

    // Without the CA the link must not come up: the certificate is not publicly trusted.
    const untrusting = await startBridgedCore(sim.url);
    await waitFor('the untrusting link to report a certificate error', () => /certificate|self.signed|xhr poll|websocket error/i.test(untrusting.core.services.bridge.health().bridge.last_error ?? ''));
    const untrustedError = untrusting.core.services.bridge.health().bridge.last_error;
    expect(untrusting.core.services.bridge.health().status).not.toBe('healthy');
    await untrusting.close();

    running = await startBridgedCore(sim.url, { extra: { cad: { url: sim.url, token: CAD_TOKEN, caFile } } });
    await waitFor('healthy over TLS', () => running!.core.services.bridge.health().status === 'healthy');
    expect(inSync(running.core, sim)).toBe(true);
    console.log(`[bridge] held: https CAD with a pinned CA file is in sync; without it: "${untrustedError}"`);
  });
});
