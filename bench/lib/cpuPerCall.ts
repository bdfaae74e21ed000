/**
 * CPU time per call of `fn` (this process's user + system time, so another
 * process taking the core during the loop does not count), the median of
 * `rounds` rounds of `calls` calls each.
 */
export function cpuMicrosPerCall(fn: () => unknown, calls: number, rounds = 5): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i += 1) fn();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
