/**
 * The CAD simulator in its own process for the bridge benchmark, so the CAD's
 * CPU does not compete with the client being measured. Driven over IPC:
 * {cmd:'burst', n} -> {done:'burst'}, {cmd:'reachable', value} -> {done:'reachable'}.
 */
import { createCadSimulator } from '../../src/main/cadsim/cadSimulator';

async function main() {
  const token = process.env.BENCH_CAD_TOKEN ?? 'bench-cad-token-0000';
  const sim = await createCadSimulator({ token, port: 0, tickMs: 0, units: 50, incidentsPerMinute: 0 });
  process.send?.({ ready: sim.url });
  process.on('message', (msg: { cmd: string; n?: number; value?: boolean }) => {
    if (msg.cmd === 'burst') void sim.emitBurst(msg.n ?? 0).then(() => process.send?.({ done: 'burst' }));
    if (msg.cmd === 'reachable') {
      sim.setReachable(msg.value ?? true);
      process.send?.({ done: 'reachable' });
    }
    if (msg.cmd === 'stats') process.send?.({ done: 'stats', received: sim.state.received.length, duplicates: sim.state.duplicates });
    if (msg.cmd === 'exit') void sim.close().then(() => process.exit(0));
  });
}
void main();
