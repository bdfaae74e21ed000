import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorStore } from '../../../src/main/core/auth/operators';
import type { DatabaseSchema } from '../../../src/main/core/db/schema';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { runCli } from '../../helpers/cli';
import { startPostgres, type TestPostgres } from '../../helpers/engines';

/**
 * `switchboard user` against a cluster: accounts live in PostgreSQL, where
 * every node signs operators in, not in the data directory of the machine the
 * command runs on.
 */
let server: TestPostgres;
let pg: PgDatabase;
beforeAll(async () => {
  server = await startPostgres();
  pg = openPostgres(server.url, { max: 2 });
});
afterAll(async () => {
  await pg?.close();
  await server?.stop();
});

describe('switchboard user --postgres-url', () => {
  it('refuses an unmigrated database with the command to run, then adds, disables and lists accounts in PostgreSQL, revoking sessions there', async () => {
    const refused = runCli(['user', 'list', '--postgres-url', server.url]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/switchboard migrate --postgres-url/);

    await migratePostgres(pg.db);
    const added = runCli(['user', 'add', '--username', 'dana', '--role', 'dispatcher', '--postgres-url', server.url], { input: 'a-long-cluster-password-42\n' });
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/Added dispatcher "dana"/);
    const operators = createOperatorStore(new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: pg.pool }) }));
    expect(await operators.authenticate('dana', 'a-long-cluster-password-42')).toMatchObject({ username: 'dana', role: 'dispatcher' });

    const disabled = runCli(['user', 'disable', '--username', 'dana'], { env: { SWITCHBOARD_CLUSTER: '1', SWITCHBOARD_POSTGRES_URL: server.url } });
    expect(disabled.stdout).toMatch(/Disabled "dana"/);
    const revocations = await server.query<{ kind: string; value: string; reason: string }>('SELECT kind, value, reason FROM token_revocations');
    expect(revocations.rows).toEqual([{ kind: 'subject', value: 'dana', reason: 'account disabled' }]);
    expect(await operators.authenticate('dana', 'a-long-cluster-password-42')).toBeNull();

    const listed = runCli(['user', 'list', '--postgres-url', server.url]);
    expect(listed.stdout).toBe('dana\tdispatcher\tdisabled\n');
  });

  it('issues a device token into the cluster\'s device registry and revokes it there', async () => {
    const env = { SWITCHBOARD_JWT_SECRET: 'user-cli-test-jwt-secret-shared-by-every-node-0123456789' };
    const issued = runCli(['token', '--role', 'device', '--sub', 'mon-7', '--device-id', 'mon-7', '--device-type', 'monitor', '--postgres-url', server.url], { env });
    expect(issued.code, issued.stderr).toBe(0);
    const jti = /token id (\S+),/.exec(issued.stderr)?.[1];
    const registry = await server.query<{ jti: string }>('SELECT jti FROM issued_tokens');
    expect(registry.rows.map((r) => r.jti)).toEqual([jti]);

    const revoked = runCli(['token', 'revoke', '--id', jti!, '--reason', 'tablet lost', '--postgres-url', server.url]);
    expect(revoked.stdout).toMatch(/Revoked token/);
    const rows = await server.query<{ kind: string; value: string; reason: string }>("SELECT kind, value, reason FROM token_revocations WHERE kind = 'token'");
    expect(rows.rows).toEqual([{ kind: 'token', value: jti, reason: 'tablet lost' }]);
  });
});
