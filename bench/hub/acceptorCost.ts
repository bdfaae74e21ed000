/**
 * What the hub's hand-written update_location acceptor (src/main/core/hub/fastPayloads.ts)
 * saves per event against the zod schema it stands in front of: CPU per parse of
 * the hub benchmark's payload, both in this process, rounds alternated. A CPU
 * figure of one thread, so it moves little with the machine's other load;
 * compare it with the hub's CPU per acked event (hub.bench.ts, hubProfile.ts).
 * Run: npx tsx bench/hub/acceptorCost.ts
 */
import os from 'node:os';
import { FAST_ACCEPTORS } from '../../src/main/core/hub/fastPayloads';
import { HUB_CLIENT_EVENTS } from '../../src/shared/hubEvents';
import { parseUntrusted } from '../../src/shared/parseUntrusted';
import { cpuMicrosPerCall } from '../lib/cpuPerCall';
import { median, report, round } from '../lib/report';

// The payload hub.bench.ts and hubProfile.ts send, as Socket.IO's parser hands it over (fresh objects each time).
const WIRE = JSON.stringify({ latitude: 47.6062, longitude: -122.3321, heading: 90, speed_kmh: 42, status: 'en_route', accuracy_m: 5 });
const CALLS = 200_000;
const accept = FAST_ACCEPTORS.update_location!;
const schema = HUB_CLIENT_EVENTS.update_location;

const payloads = Array.from({ length: 1024 }, () => JSON.parse(WIRE) as unknown);
let n = 0;
const next = () => payloads[n++ & 1023];
const zodUs: number[] = [];
const fastUs: number[] = [];
for (let round = 0; round < 3; round += 1) {
  zodUs.push(cpuMicrosPerCall(() => parseUntrusted(schema, next()), CALLS));
  fastUs.push(cpuMicrosPerCall(() => accept(next()), CALLS));
}
const zod = median(zodUs);
const fast = median(fastUs);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
report('hub-payload-acceptor', { payload: WIRE, calls_per_round: CALLS, load_average: os.loadavg().map((l) => round(l, 2)) }, [
  { metric: 'update_location payload check, CPU us per event (acceptor vs zod schema)', value: round(fast, 3), baseline: round(zod, 3), ratio: fast / zod },
  { metric: 'CPU us per event saved on the hub', value: round(zod - fast, 3) }
]);
