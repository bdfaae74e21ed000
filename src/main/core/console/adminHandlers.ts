import type { CoreContext } from '../coreContext';
import type { SocketLog } from '../log/service';
import { AppError } from '../errors';
import type { SessionAudit } from './sessions';

/** Writes session events (sign-in, failures, lockouts, sign-out, ended sessions) to the tamper-evident access log. */
export function createSessionAudit(ctx: Pick<CoreContext, 'logger'>, log: Pick<SocketLog, 'recordAccess'>): (entry: SessionAudit) => void {
  return (entry) => {
    log
      .recordAccess({
        actor: entry.actor.slice(0, 64),
        actorRole: entry.role,
        channel: entry.transport === 'ipc' ? 'console' : entry.transport === 'cli' ? 'cli' : 'console',
        query: `auth.${entry.outcome}`,
        params: { ip: entry.ip, transport: entry.transport, ...entry.detail },
        rowCount: 0
      })
      .catch((err: unknown) => ctx.logger.error({ err, outcome: entry.outcome }, 'session event not written to the access log'));
  };
}

/** The admin console's account and token powers, each written to the access log. */
export function registerAdminHandlers(ctx: CoreContext, audit: (entry: SessionAudit) => void): void {
  const { api, operators, revocations, throttle } = ctx;
  const admin = (c: { operator: { username: string } | null }) => c.operator?.username ?? 'admin';

  api.handle('admin.operators', async () => ({ operators: await operators.listAll(), lockouts: throttle.locked() }));

  api.handle('admin.setOperatorDisabled', async ({ username, disabled }, c) => {
    // An admin who disabled themselves would end their own session mid-task; another admin must do it.
    if (disabled && username === c.operator?.username) throw new AppError('CONFLICT', 'You cannot disable your own account: ask another admin to do it.');
    const operator = await operators.setDisabled(username, disabled);
    if (disabled) await revocations.revoke('subject', username, admin(c), 'account disabled');
    audit({ actor: admin(c), role: 'admin', outcome: disabled ? 'disableOperator' : 'enableOperator', transport: c.transport, ip: c.ip ?? null, detail: { username } });
    return { ...operator, disabled };
  });

  api.handle('admin.resetPassword', async ({ username, password }, c) => {
    const operator = await operators.resetPassword(username, password);
    await revocations.revoke('subject', username, admin(c), 'password reset');
    const listed = (await operators.listAll()).find((o) => o.username === username);
    audit({ actor: admin(c), role: 'admin', outcome: 'resetPassword', transport: c.transport, ip: c.ip ?? null, detail: { username } });
    return { ...operator, disabled: listed?.disabled ?? false };
  });

  api.handle('admin.clearLockout', ({ id }, c) => {
    const cleared = throttle.clear(id);
    audit({ actor: admin(c), role: 'admin', outcome: 'clearLockout', transport: c.transport, ip: c.ip ?? null, detail: { id, cleared } });
    return { cleared };
  });

  api.handle('admin.revokeTokens', async ({ kind, value, reason }, c) => {
    await revocations.revoke(kind, value, admin(c), reason ?? null);
    audit({ actor: admin(c), role: 'admin', outcome: 'revokeTokens', transport: c.transport, ip: c.ip ?? null, detail: { kind, value } });
    return { revoked: true as const, kind, value };
  });

  api.handle('admin.deviceTokens', async ({ limit }) => ({ tokens: await ctx.devices.list(limit) }));
}
