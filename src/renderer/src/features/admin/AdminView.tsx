import { useCallback, useEffect, useState } from 'react';
import type { IssuedDeviceToken } from '../../../../shared/contract/admin';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../stores/sessionStore';

type Accounts = { operators: Array<{ username: string; role: string; disabled: boolean }>; lockouts: Array<{ key: string; id: string; until: string; failures: number }> };

/** One outcome line for the last action, so an admin sees what the core did (or why it refused). */
function useOutcome() {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const report = (result: { ok: true } | { ok: false; error: { message: string } }, done: string) =>
    setOutcome(result.ok ? { ok: true, text: done } : { ok: false, text: result.error.message });
  return { outcome, report };
}

/**
 * Account and token administration for an admin: the console's side of
 * `switchboard user` and `switchboard token revoke`. Disabling an operator or
 * revoking a token ends the open sessions it covers at once (the core does that);
 * every action is in the access log with the admin's name.
 */
export function AdminView() {
  const [accounts, setAccounts] = useState<Accounts | null>(null);
  const [tokens, setTokens] = useState<IssuedDeviceToken[]>([]);
  const [resetFor, setResetFor] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [revoke, setRevoke] = useState<{ kind: 'token' | 'subject' | 'device'; value: string }>({ kind: 'device', value: '' });
  const { outcome, report } = useOutcome();
  const me = useSession((s) => s.operator?.username);

  const load = useCallback(async () => {
    const [a, t] = await Promise.all([api.call('admin.operators', {}), api.call('admin.deviceTokens', { limit: 200 })]);
    if (a.ok) setAccounts(a.value);
    if (t.ok) setTokens(t.value.tokens);
  }, []);
  useEffect(() => void load(), [load]);

  const act = async (call: Promise<{ ok: true } | { ok: false; error: { message: string } }>, done: string) => {
    report(await call, done);
    await load();
  };

  return (
    <section className="admin" aria-label="Administration">
      <h2>Operators</h2>
      {outcome ? (
        <p className={outcome.ok ? 'admin__outcome' : 'admin__outcome admin__outcome--bad'} role="status" data-testid="admin-outcome">
          {outcome.text}
        </p>
      ) : null}
      <table className="admin__table" data-testid="admin-operators">
        <thead>
          <tr>
            <th>Operator</th>
            <th>Role</th>
            <th>State</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {(accounts?.operators ?? []).map((op) => (
            <tr key={op.username} data-operator={op.username}>
              {/* The core refuses an admin's own account and the last enabled admin; the outcome line says why. */}
              <td>{op.username === me ? `${op.username} (you)` : op.username}</td>
              <td>{op.role}</td>
              <td>{op.disabled ? 'disabled' : 'active'}</td>
              <td className="admin__actions">
                <button type="button" onClick={() => void act(api.call('admin.setOperatorDisabled', { username: op.username, disabled: !op.disabled }), `${op.username} ${op.disabled ? 'enabled' : 'disabled; their open sessions ended'}.`)}>
                  {op.disabled ? 'Enable' : 'Disable'}
                </button>
                <button type="button" onClick={() => setResetFor(resetFor === op.username ? null : op.username)}>
                  Reset password
                </button>
                {resetFor === op.username ? (
                  <form
                    className="admin__reset"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void act(api.call('admin.resetPassword', { username: op.username, password }), `New password set for ${op.username}; their open sessions ended.`);
                      setPassword('');
                      setResetFor(null);
                    }}
                  >
                    <input type="password" aria-label={`New password for ${op.username}`} value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
                    <button type="submit">Set</button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Sign-in lockouts</h2>
      {accounts && accounts.lockouts.length === 0 ? <p className="admin__empty">No account or address is locked out.</p> : null}
      <ul className="admin__lockouts">
        {(accounts?.lockouts ?? []).map((l) => (
          <li key={`${l.key}:${l.id}`}>
            {l.key} <strong>{l.id}</strong> until {formatDateTime(l.until)} after {l.failures} failures{' '}
            <button type="button" onClick={() => void act(api.call('admin.clearLockout', { id: l.id }), `Lockout of ${l.id} cleared.`)}>
              Clear
            </button>
          </li>
        ))}
      </ul>

      <h2>Revoke access</h2>
      <form
        className="admin__revoke"
        onSubmit={(e) => {
          e.preventDefault();
          if (!revoke.value.trim()) return;
          void act(api.call('admin.revokeTokens', { kind: revoke.kind, value: revoke.value.trim() }), `Revoked every token of ${revoke.kind} ${revoke.value.trim()}; its open connections closed.`);
          setRevoke({ ...revoke, value: '' });
        }}
      >
        <select aria-label="Revoke by" value={revoke.kind} onChange={(e) => setRevoke({ ...revoke, kind: e.target.value as typeof revoke.kind })}>
          <option value="device">device id</option>
          <option value="subject">subject</option>
          <option value="token">token id</option>
        </select>
        <input aria-label="Revoke value" value={revoke.value} onChange={(e) => setRevoke({ ...revoke, value: e.target.value })} placeholder="e.g. TABLET-14" />
        <button type="submit">Revoke</button>
      </form>

      <h2>Device tokens issued</h2>
      <table className="admin__table" data-testid="admin-device-tokens">
        <thead>
          <tr>
            <th>Device</th>
            <th>Subject</th>
            <th>Role</th>
            <th>Issued by</th>
            <th>Issued</th>
            <th>Expires</th>
            <th>Last seen</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.jti} data-revoked={t.revoked ? '1' : '0'}>
              <td>{t.device_id ?? '—'}</td>
              <td>{t.subject}</td>
              <td>{t.role}</td>
              <td>{t.issued_by}</td>
              <td>{formatDateTime(t.issued_at)}</td>
              <td>{formatDateTime(t.expires_at)}</td>
              <td>{t.last_seen_at ? formatDateTime(t.last_seen_at) : 'never'}</td>
              <td>
                {t.revoked ? (
                  'revoked'
                ) : (
                  <button type="button" onClick={() => void act(api.call('admin.revokeTokens', { kind: 'token', value: t.jti }), `Token of ${t.device_id ?? t.subject} revoked.`)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
