import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestCore, tokenFor } from '../../helpers/core';
import { inMode, TEST_MODE } from '../../helpers/testMode';
import { exportEverything, storedLogText } from './modeStore';
import fs from 'node:fs';

const CAD_TOKEN = 'cad-token-PLANTED-7f3a9c2e51';
const PAYLOAD_TOKEN = 'payload-token-PLANTED-41d0';
const PASSWORD = 'hunter2-PLANTED-password';

describe('secrets never reach the log', () => {
  it(inMode('scrubs planted secrets from rows, updates, access records, log lines and exports'), async () => {
    const t = await startTestCore({ cad: { url: 'http://127.0.0.1:9', token: CAD_TOKEN } });
    const log = t.core.services.log;
    const device = await tokenFor(t.core, { sub: 'p9', role: 'patient' });
    const { id } = await log.createSocketLog({
      eventType: 'ambulance_request',
      socketId: 's9',
      userId: 'p9',
      eventData: { token: PAYLOAD_TOKEN, nested: { password: PASSWORD, authorization: `Bearer ${device}` }, note: `cad said ${CAD_TOKEN}` },
      requestData: { handshake: `token=${device}` },
      errorMessage: `upstream rejected ${CAD_TOKEN}`,
      userAgent: `app/1.0 ${PAYLOAD_TOKEN.length > 0 ? device : ''}`
    });
    await log.updateSocketLog(id, { status: 'failed', responseData: { secret: PASSWORD, echo: CAD_TOKEN }, errorMessage: `password=${PASSWORD}`.replace(PASSWORD, PASSWORD) });
    await log.recordAccess({ actor: 'sam', actorRole: 'supervisor', channel: 'rest', query: 'statistics', params: { token: PAYLOAD_TOKEN }, rowCount: 0 });
    // Refused logins and token-bearing requests produce log lines too.
    await fetch(`${t.core.url}/api/v1/socket-logs/statistics`, { headers: { authorization: `Bearer ${device}` } });
    t.core.logger.info({ token: PAYLOAD_TOKEN, cad: CAD_TOKEN }, `handshake with ${CAD_TOKEN}`);
    const row = (await log.reads.byEventType({ actor: 'test', role: 'admin', channel: 'rest' }, 'ambulance_request', { limit: 1, offset: 0 }))[0]!;
    expect(row.event_data).toMatchObject({ token: '[REDACTED]', nested: { password: '[REDACTED]', authorization: '[REDACTED]' } });
    const exported = await exportEverything(t, () => t.close());
    // The stored log and its export hold the row (so the checks below look at something), without the secrets.
    const bytes = await storedLogText(t);
    expect(bytes).toContain('[REDACTED]');
    expect(exported).toContain('"user_id":"p9"');
    const logText = t.logText();
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [CAD_TOKEN, PAYLOAD_TOKEN, PASSWORD, device]) {
      expect(bytes.includes(secret), `database holds ${secret.slice(0, 12)}…`).toBe(false);
      expect(logText.includes(secret), `log output holds ${secret.slice(0, 12)}…`).toBe(false);
      expect(exported.includes(secret), `export holds ${secret.slice(0, 12)}…`).toBe(false);
    }
    // The key file is private to the owner (a cluster's key comes from its shared configuration, not a file).
    if (TEST_MODE === 'single') expect((fs.statSync(path.join(t.dataDir, 'socket-log.key')).mode & 0o777).toString(8)).toBe('600');
  });
});
