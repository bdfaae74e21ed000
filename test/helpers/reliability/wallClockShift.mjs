/**
 * Test-only preload (node --import) for a served process: shifts its wall clock
 * (Date.now) by the milliseconds written in SWITCHBOARD_TEST_CLOCK_FILE, re-read
 * on SIGUSR2. The machine's clock cannot be stepped safely in a test; this steps
 * the server's view of it, while its monotonic clock (performance.now) runs on.
 */
import fs from 'node:fs';

const file = process.env.SWITCHBOARD_TEST_CLOCK_FILE;
if (file) {
  const realNow = Date.now.bind(Date);
  let offset = 0;
  const read = () => {
    try {
      offset = Number(fs.readFileSync(file, 'utf8').trim()) || 0;
    } catch {
      offset = 0;
    }
  };
  read();
  process.on('SIGUSR2', read);
  Date.now = () => realNow() + offset;
}
