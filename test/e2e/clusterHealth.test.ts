import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { addOperator, ensureBuilt, launchBrowser, openPage, openView, screenshot, signIn, startServer, tempDataDir, type RunningServer } from '../helpers/browser';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET, startTestCluster, type TestCluster } from '../helpers/cluster';
import { waitFor } from '../helpers/waitFor';

const PASSWORD = 'correct horse battery';

let cluster: TestCluster | undefined;
let consoleNode: RunningServer | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await consoleNode?.stop();
  await cluster?.stop();
});

describe("the console's health view in cluster mode", () => {
  it('lists every node with its status, and shows a killed node go late', async () => {
    ensureBuilt();
    cluster = await startTestCluster({ nodes: 1 });
    // A second node from the build, which serves the console (a node run from source has no built renderer beside it).
    process.env.SWITCHBOARD_JWT_SECRET = CLUSTER_JWT_SECRET;
    process.env.SWITCHBOARD_LOG_SECRET = CLUSTER_LOG_SECRET;
    const dataDir = tempDataDir();
    // Operators live in the cluster's PostgreSQL: every node signs them in.
    addOperator(dataDir, 'sam', PASSWORD, 'supervisor', cluster.pg.url);
    consoleNode = await startServer('serve', ['--cluster', '--postgres-url', cluster.pg.url, '--redis-url', cluster.redis.url, '--node-name', 'node-console'], dataDir);
    browser = await launchBrowser();
    const { page, errors } = await openPage(browser, consoleNode.url);
    await signIn(page, 'sam', PASSWORD);
    await openView(page, 'health');
    const nodes = page.getByTestId('cluster-nodes');
    const rows = async () => (await nodes.locator('tbody tr').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    await waitFor('both nodes listed as up', async () => {
      const [one, two] = await rows();
      return /^node-1 ?up/.test(one ?? '') && /^node-console \(you\) ?up/.test(two ?? '');
    });
    console.log(`cluster health view: ${await screenshot(page, 'cluster-health-nodes-up')}`);

    await cluster.nodes.get('node-1')!.kill9();
    await nodes.locator('tbody tr', { hasText: /node-1\s*(late|down)/ }).waitFor();
    console.log(`cluster health view after kill -9 of node-1: ${await screenshot(page, 'cluster-health-node-late')}`);
    expect(errors).toEqual([]);
  });
});
