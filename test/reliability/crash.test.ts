import { RETRYABLE_HUB_CODES } from '../../src/shared/hubEvents';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { waitFor } from '../helpers/reliability/clients';
import { startDeviceLoad } from '../helpers/reliability/load';
import { checkLog } from '../helpers/reliability/logCheck';
import { seededRng } from '../helpers/reliability/payloads';
import { jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';

/** CI default: 3 kills; CRASH_ROUNDS=10 for a longer hunt, CRASH_SEED to replay the kill points. */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const CLIENTS = 24;
const RATE_PER_CLIENT = 40;
/**
 * Refusals a device retries (docs/hub-protocol.md): the hub shedding load while the machine is
 * saturated, and RATE_LIMITED for a burst this open-loop client sends when it falls behind there.
 */
const RETRYABLE = RETRYABLE_HUB_CODES;

let serve: ServeProcess | undefined;
afterAll(async () => {
  await serve?.stop();
});

describe('crash: kill -9 of switchboard serve under load', () => {
  it(`keeps every acknowledged event, a verifying HMAC chain and an intact database across ${ROUNDS} kills at random points`, async () => {
    const rng = seededRng(SEED);
    const dataDir = tempDir('switchboard-crash-');
    const acked = new Map<number, string>();
    let sentTotal = 0;
    console.log(`[crash] seed ${SEED} (CRASH_SEED=${SEED} replays these kill points); ${CLIENTS} devices x ${RATE_PER_CLIENT}/s; data dir ${dataDir}`);
    serve = await startServe({ dataDir });

    for (let round = 1; round <= ROUNDS; round += 1) {
      const load = await startDeviceLoad({ url: serve.url, secret: jwtSecretOf(dataDir), clients: CLIENTS, ratePerClient: RATE_PER_CLIENT, tag: `r${round}` });
      // A random point in the load, measured in acknowledged events rather than
      // milliseconds: a busy machine reaches it later, but always under load.
      const killAfterAcks = Math.round(200 + rng() * 1_800);
      await waitFor(`${killAfterAcks} acknowledged events in round ${round}`, () => load.acked.size >= killAfterAcks, 5 * 60_000);
      const before = load.summary();
      const refusalsBefore = new Map(load.errors);
      await serve.kill9();
      await load.stop();
      const s = load.summary();
      for (const [id, marker] of load.acked) acked.set(id, marker);
      sentTotal += s.sent;

      serve = await startServe({ dataDir });
      const check = await checkLog(dataDir, acked);
      console.log(
        `[crash] round ${round}: killed after ${before.acked} acks (aimed at ${killAfterAcks}) with ${s.sent - s.acked - s.errors} events in flight; ` +
          `sent ${s.sent}, acked ${s.acked} (error acks ${s.errors}, p99 ack ${s.p99} ms); ` +
          `after restart: ${acked.size - check.missing.length - check.mismatched.length}/${acked.size} acked events found (all rounds), ` +
          `${check.rows} rows, integrity_check "${check.integrity}", HMAC chain ${check.verify.ok ? 'verifies' : `FAILS: ${check.verify.problems.slice(0, 3).join('; ')}`} ` +
          `(${check.verify.checked.rows} rows checked)` +
          (check.cliVerify ? `, switchboard verify exit ${check.cliVerify.code}` : ', (CLI verify not available yet)')
      );
      // A saturated machine makes the hub shed load (UNAVAILABLE, retryable): that is an answer.
      expect([...refusalsBefore.keys()].filter((code) => !RETRYABLE.has(code)), `every answer before the kill was an ack or a retryable refusal (${before.errors} refusals)`).toEqual([]);
      expect(s.acked, 'the load was running when the process was killed').toBeGreaterThanOrEqual(killAfterAcks);
      expect(check.missing, 'acked events missing after the crash').toEqual([]);
      expect(check.mismatched, 'acked events whose row holds something else').toEqual([]);
      expect(check.integrity).toBe('ok');
      expect(check.verify.problems).toEqual([]);
      expect(check.verify.ok).toBe(true);
      if (check.cliVerify) expect(check.cliVerify.code, check.cliVerify.output).toBe(0);
    }
    console.log(`[crash] held: ${ROUNDS} kills, ${sentTotal} events sent, ${acked.size} acked, ${acked.size} found in the log after restarts; chain verified and integrity ok each time`);
    await serve.stop();
    serve = undefined;
  });
});
