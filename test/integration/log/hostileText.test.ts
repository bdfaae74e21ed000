import { afterEach, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../../helpers/core';

let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('hostile text in the socket log', () => {
  it('stores lone surrogates and cut surrogate pairs so the chain still verifies', async () => {
    running = await startTestCore({ logLevel: 'silent' });
    const log = running.core.services.log;
    const lone = 'bad \uda8a name';
    const pairAtCut = `${'x'.repeat(1999)}😀tail`; // the 2000-char cut falls inside the emoji's surrogate pair
    const { id } = await log.createSocketLog({
      eventType: 'invalid_event_name',
      socketId: `sock-\udc00`,
      userAgent: lone,
      errorMessage: pairAtCut,
      eventData: { event_name: lone },
      status: 'failed'
    });
    await log.updateSocketLog(id, { errorMessage: `again ${lone}` });
    const report = await log.verify({ actor: 'test', role: 'auditor', channel: 'cli' });
    expect(report.ok, JSON.stringify(report)).toBe(true);
  });
});
