import { afterEach, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../src/main/core/contract/registry';
import { startTestCore, type TestCore } from '../../helpers/core';

/**
 * A centre must always keep an admin who can sign in: one who disables their
 * own account mid-shift, or two admins disabling each other at the same
 * moment, would leave nobody to unlock accounts or revoke a lost tablet.
 */

let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const asAdmin = (username: string): CallContext => ({ operator: { username, role: 'admin' }, transport: 'socket', ip: '127.0.0.1' });

async function enabled(core: TestCore['core']) {
  const listed = await core.operators.listAll();
  return listed.filter((o) => !o.disabled).map((o) => o.username);
}

describe('administering the administrators', () => {
  it('refuses an admin who tries to disable their own account, with a sentence that says who can', async () => {
    running = await startTestCore();
    const { core } = running;
    await core.operators.add('ada', 'lighthouse-keeper-41', 'admin');
    await core.operators.add('bo', 'river-crossing-2027', 'admin');
    const refused = await core.api.call('admin.setOperatorDisabled', { username: 'ada', disabled: true }, asAdmin('ada'));
    expect(refused).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'You cannot disable your own account: ask another admin to do it.' } });
    expect(await enabled(core)).toEqual(['ada', 'bo']);
    // Another admin may.
    expect((await core.api.call('admin.setOperatorDisabled', { username: 'ada', disabled: true }, asAdmin('bo'))).ok).toBe(true);
    expect(await enabled(core)).toEqual(['bo']);
  });

  it('keeps the last enabled admin enabled when two admins disable each other at the same moment', async () => {
    running = await startTestCore();
    const { core } = running;
    await core.operators.add('ada', 'lighthouse-keeper-41', 'admin');
    await core.operators.add('bo', 'river-crossing-2027', 'admin');
    await core.operators.add('dana', 'copper-kettle-5512', 'dispatcher');
    const [adaDisablesBo, boDisablesAda] = await Promise.all([
      core.api.call('admin.setOperatorDisabled', { username: 'bo', disabled: true }, asAdmin('ada')),
      core.api.call('admin.setOperatorDisabled', { username: 'ada', disabled: true }, asAdmin('bo'))
    ]);
    const outcomes = [adaDisablesBo, boDisablesAda];
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    const refusal = outcomes.find((o) => !o.ok);
    expect(refusal).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/is the last enabled admin, so it stays enabled: enable or add another admin first/) } });
    const left = await enabled(core);
    expect(left).toContain('dana');
    expect(left.filter((u) => u === 'ada' || u === 'bo')).toHaveLength(1);
  });

  it('refuses the last enabled admin through the operator store too, which `switchboard user disable` uses', async () => {
    running = await startTestCore();
    const { core } = running;
    await core.operators.add('ada', 'lighthouse-keeper-41', 'admin');
    await core.operators.add('dana', 'copper-kettle-5512', 'dispatcher');
    await expect(core.operators.setDisabled('ada', true)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"ada" is the last enabled admin') });
    // Everyone else can still be disabled and enabled, and a disabled admin does not count.
    await core.operators.setDisabled('dana', true);
    await core.operators.add('bo', 'river-crossing-2027', 'admin');
    await core.operators.setDisabled('bo', true);
    await expect(core.operators.setDisabled('ada', true)).rejects.toMatchObject({ code: 'CONFLICT' });
    await core.operators.setDisabled('bo', false);
    await core.operators.setDisabled('ada', true);
    expect(await enabled(core)).toEqual(['bo']);
  });
});
