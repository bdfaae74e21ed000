import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createContractRegistry, type CallContext } from '../../../src/main/core/contract/registry';
import { AppError } from '../../../src/main/core/errors';

const registry = () => createContractRegistry(pino({ level: 'silent' }));
const dispatcher: CallContext = { operator: { username: 'dana', role: 'dispatcher' }, transport: 'socket' };
const auditor: CallContext = { operator: { username: 'ann', role: 'auditor' }, transport: 'socket' };
const nobody: CallContext = { operator: null, transport: 'socket' };

describe('the console contract registry', () => {
  it('runs a handler with parsed input and wraps the value in a Result', async () => {
    const api = registry();
    api.handle('alerts.list', ({ limit }) => Array.from({ length: Math.min(limit, 0) }));
    await expect(api.invoke('alerts.list', {}, dispatcher)).resolves.toEqual({ ok: true, value: [] });
  });

  it('refuses unknown methods, missing sessions, wrong roles and bad input with stable codes', async () => {
    const api = registry();
    api.handle('alerts.list', () => []);
    expect(await api.invoke('alerts.nuke', {}, dispatcher)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await api.invoke('alerts.list', {}, nobody)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await api.invoke('alerts.list', {}, auditor)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const bad = await api.invoke('alerts.list', { limit: -5 }, dispatcher);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(!bad.ok && bad.error.message).toContain('limit');
  });

  it('answers NOT_IMPLEMENTED for a method without a handler and hides internal errors', async () => {
    const api = registry();
    expect(await api.invoke('alerts.list', {}, dispatcher)).toMatchObject({ ok: false, error: { code: 'NOT_IMPLEMENTED' } });
    api.handle('alerts.list', () => {
      throw new Error('disk on fire at /var/secret/path');
    });
    const res = await api.invoke('alerts.list', {}, dispatcher);
    expect(res).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(res)).not.toContain('/var/secret/path');
    api.handle('alerts.acknowledge', () => {
      throw new AppError('NOT_FOUND', 'No alert with id 9.');
    });
    expect(await api.invoke('alerts.acknowledge', { id: '9' }, dispatcher)).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No alert with id 9.' }
    });
  });

  it('lets public methods run before sign-in', async () => {
    const api = registry();
    api.handle('auth.signIn', ({ username }) => ({ token: 't', username, role: 'dispatcher', expires_at: 'x' }));
    expect(await api.invoke('auth.signIn', { username: 'a', password: 'b' }, nobody)).toMatchObject({ ok: true });
  });
});

describe('hostile method names', () => {
  it('answers UNKNOWN_METHOD for a name whose toString throws, instead of crashing', async () => {
    const api = registry();
    const poisoned = { toString: null } as unknown;
    expect(await api.invoke(poisoned, {}, dispatcher)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await api.invoke(['x'], {}, dispatcher)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });
});
