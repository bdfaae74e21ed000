import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_JWT_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { signToken } from '../../helpers/reliability/tokens';
import { closeCrews, connectCrews, killNodeUnderCrews, type Crew } from '../../helpers/roomCrews';

let cluster: TestCluster | undefined;
let crews: Crew[] = [];
afterAll(async () => {
  closeCrews(crews);
  await cluster?.stop();
});

/**
 * The control run for recovery.test.ts: the same story with the nodes' eager
 * session saving turned off (the diagnostic SWITCHBOARD_CLUSTER_EAGER_SESSIONS=0),
 * so sessions are saved only in the adapter's disconnect handler, which a kill -9
 * never runs. If this ever stops losing messages, recovery.test.ts no longer
 * proves that the eager saving is what makes recovery work.
 */
describe('cluster failover control: without eager session saving, a killed node\'s clients do not recover', () => {
  it('loses room messages for the crews whose node got kill -9, and their sessions start over', async () => {
    cluster = await startTestCluster({ nodes: 2, env: { SWITCHBOARD_CLUSTER_EAGER_SESSIONS: '0' } });
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    crews = await connectCrews(cluster.balancer.url, CLUSTER_JWT_SECRET, 6);

    const outcome = await killNodeUnderCrews(cluster, crews, admin);

    console.log(`socket.io recovery without eager session saving (control): ${outcome.summary}`);
    expect(outcome.onVictim.length).toBeGreaterThan(0);
    expect(outcome.onVictim.filter((c) => c.recovered)).toEqual([]);
    expect(outcome.gaps.missing).toBeGreaterThan(0);
  });
});
