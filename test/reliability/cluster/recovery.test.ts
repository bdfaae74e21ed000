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

describe('cluster failover: Socket.IO clients of a killed node recover on another node', () => {
  it('delivers every room message once, in order, to crews whose node got kill -9, through HAProxy', async () => {
    cluster = await startTestCluster({ nodes: 2 });
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    crews = await connectCrews(cluster.balancer.url, CLUSTER_JWT_SECRET, 6);

    const outcome = await killNodeUnderCrews(cluster, crews, admin);

    console.log(`socket.io recovery: ${outcome.summary}`);
    expect(outcome.onVictim.length).toBeGreaterThan(0);
    expect(outcome.onVictim.map((c) => c.recovered)).toEqual(outcome.onVictim.map(() => true));
    expect(outcome.gaps).toEqual({ missing: 0, duplicated: 0, outOfOrder: 0 });
  });
});
