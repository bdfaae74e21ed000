import fs from 'node:fs';
import { processCpuSeconds } from '../hub/cpuAccounting';

/**
 * CPU of a deployment under test that is several processes, each with children
 * (PostgreSQL's backends are children of the postmaster): the CPU seconds of
 * the given processes and all their live descendants, from /proc.
 */
export function treeCpuSeconds(rootPids: number[]): number {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited between readdir and read
    }
  }
  const inTree = new Set(rootPids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of inTree) {
    const s = processCpuSeconds(pid);
    if (Number.isFinite(s)) total += s;
  }
  return total;
}
