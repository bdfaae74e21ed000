import type { LoadGenerator } from './loadGenerator';
import { median } from '../lib/report';

/** What the pairing needs of one ladder rung (hub.bench.ts LadderStep). */
export interface PairedStep {
  cpu_us: number;
  main_us: number;
  kept_up: boolean;
}

export interface PairedRate {
  rate: number;
  /** Mean of the two rungs on each server, µs per acked event. */
  bareCpu: number;
  hubCpu: number;
  bareMain: number;
  hubMain: number;
  /** All four rungs kept up (>= 99% acked, no errors, p99 under 500 ms). */
  keptUp: boolean;
}

export interface PairedResult {
  rates: PairedRate[];
  /** Median over the rates all four rungs kept up with (all rates when none did) of bare/hub CPU per event. */
  cpuRatio: number;
  mainRatio: number;
  /** How many rates the medians are over, and whether those all kept up. */
  over: number;
  allKeptUp: boolean;
}

interface Side {
  url: string;
  tokens(n: number): Promise<string[]>;
}

export interface PairedOptions {
  bare: Side;
  hub: Side;
  rates: number[];
  clients: number;
  /** The load generator's connect command for ladder clients (`connect` or `connectRaw`). */
  connectCmd: string;
  newGenerator(): LoadGenerator;
  /** One ladder rung at `rate` through `gen`. */
  rung(gen: LoadGenerator, rate: number): Promise<PairedStep>;
  /** Waits until the hub's background work (the log checkpoint) has caught up. */
  settle(): Promise<void>;
}

/**
 * The CPU each server spends per acked event, measured in turn rather than one
 * ladder after the other. On a shared virtual machine the CPU an event costs
 * drifts by half over minutes (the bare server alone was measured at 56 and at
 * 90 us per event at the same rate in two runs), so two ladders minutes apart
 * compare the machine's moods as much as the servers. Here both servers are up
 * with their clients connected, and at each rate the rungs run bare, hub, hub,
 * bare: a drift during the four rungs weighs on both sides alike. Both servers
 * share this process's heap then, which makes every event dearer for both (GC
 * over a larger heap) than in the ladders, where each ran alone: the ratio is
 * the figure here, not the microseconds.
 */
export async function pairedCpu(options: PairedOptions): Promise<PairedResult> {
  const bareGen = options.newGenerator();
  const hubGen = options.newGenerator();
  await Promise.all([bareGen.ready, hubGen.ready]);
  try {
    await bareGen.call({ cmd: options.connectCmd, url: options.bare.url, tokens: await options.bare.tokens(options.clients), batch: options.clients });
    await hubGen.call({ cmd: options.connectCmd, url: options.hub.url, tokens: await options.hub.tokens(options.clients), batch: options.clients });
    await options.settle();
    const rates: PairedRate[] = [];
    for (const rate of options.rates) {
      const bare1 = await options.rung(bareGen, rate);
      const hub1 = await options.rung(hubGen, rate);
      const hub2 = await options.rung(hubGen, rate);
      const bare2 = await options.rung(bareGen, rate);
      const mean = (a: number, b: number) => (a + b) / 2;
      rates.push({
        rate,
        bareCpu: mean(bare1.cpu_us, bare2.cpu_us),
        hubCpu: mean(hub1.cpu_us, hub2.cpu_us),
        bareMain: mean(bare1.main_us, bare2.main_us),
        hubMain: mean(hub1.main_us, hub2.main_us),
        keptUp: [bare1, hub1, hub2, bare2].every((s) => s.kept_up)
      });
    }
    const kept = rates.filter((r) => r.keptUp);
    const over = kept.length > 0 ? kept : rates;
    return {
      rates,
      cpuRatio: median(over.map((r) => r.bareCpu / r.hubCpu)),
      mainRatio: median(over.map((r) => r.bareMain / r.hubMain)),
      over: over.length,
      allKeptUp: kept.length > 0
    };
  } finally {
    await Promise.all([bareGen.call({ cmd: 'disconnect' }), hubGen.call({ cmd: 'disconnect' })]).catch(() => undefined);
    bareGen.stop();
    hubGen.stop();
  }
}
