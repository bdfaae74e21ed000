/**
 * Child process for the crash test: writes through the real writer as fast as
 * it can and prints each acknowledged id, until the parent kill -9s it.
 */
import { openStandaloneLog } from '../../../src/main/core/log/standalone';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crashChild DATA_DIR');

void (async () => {
  const log = await openStandaloneLog(dataDir, 'crash-test');
  let n = 0;
  const burst = () => {
    for (let i = 0; i < 200; i += 1) {
      n += 1;
      const update = n % 7 === 0;
      log.writer
        .createSocketLog({ eventType: 'ambulance_request', socketId: `s${n}`, userId: `p${n % 50}`, userRole: 'patient', eventData: { n } })
        .then(async ({ id }) => {
          process.stdout.write(`ack ${id}\n`);
          if (update) {
            await log.writer.updateSocketLog(id, { status: 'success', responseTimeMs: 1000 });
            process.stdout.write(`upd ${id}\n`);
          }
        })
        .catch((err: unknown) => process.stderr.write(`write failed: ${String(err)}\n`));
    }
    setImmediate(burst);
  };
  process.stdout.write('ready\n');
  burst();
})();
