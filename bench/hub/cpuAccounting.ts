/**
 * CPU accounting for the hub benchmark, so its figures do not depend on who
 * wins the two shared cores: the servers under test run in the bench process
 * (process.cpuUsage covers all its threads: the commit thread, the user
 * indexer, libuv, GC), the load generator is a child process read from
 * /proc/<pid>/stat.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second of /proc's utime and stime. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds a process has used so far (all its threads, or the one `thread` names), or NaN where /proc cannot tell. */
export function processCpuSeconds(pid: number, thread?: number): number {
  try {
    const stat = fs.readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU seconds of this process's main thread (its event loop; tid = pid), or NaN where /proc cannot tell. */
export function mainThreadCpuSeconds(): number {
  return threadCpuSeconds().get(process.pid)?.seconds ?? NaN;
}

/** CPU seconds per thread of this process (tid -> seconds), from /proc/self/task. */
export function threadCpuSeconds(): Map<number, { name: string; seconds: number }> {
  const out = new Map<number, { name: string; seconds: number }>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
    }
  } catch {
    // No /proc: the caller prints nothing per thread.
  }
  return out;
}

export interface CpuWindow {
  /** Wall seconds of the window. */
  wall: number;
  /** Server CPU seconds (this process, all threads). */
  server: number;
  /** Server CPU seconds on its main thread alone: the event loop every socket is served on. */
  main: number;
  /** Load generator CPU seconds (its process, all threads). */
  generator: number;
}

/** Starts a window; calling the result ends it. */
export function cpuWindow(generatorPid: number): () => CpuWindow {
  const wall0 = performance.now();
  const server0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const gen0 = processCpuSeconds(generatorPid);
  return () => {
    const server = process.cpuUsage(server0);
    return {
      wall: (performance.now() - wall0) / 1000,
      server: (server.user + server.system) / 1e6,
      main: mainThreadCpuSeconds() - main0,
      generator: processCpuSeconds(generatorPid) - gen0
    };
  };
}

/**
 * A load generator at this share of one core is the limit: it is one JavaScript
 * thread, so past this it sends late and reads acks late whatever the server does.
 */
export const GENERATOR_SATURATED_CORES = 0.9;
/** Acked below this share of the offered rate: the rung was not driven as offered. */
export const ACHIEVED_MARGIN = 0.97;
