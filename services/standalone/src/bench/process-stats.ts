import { readFileSync } from 'node:fs';

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

/** /proc counts CPU time in clock ticks of USER_HZ, 100 a second on Linux. */
const ticksToMs = (ticks: number): number => (ticks * 1000) / 100;

/** User plus system CPU time a process has used, in ms; `mainThread`: only its main thread's (the event loop's). */
export function cpuMs(pid: number, mainThread = false): number {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted from the state field (3).
  return ticksToMs(Number(fields[11]) + Number(fields[12]));
}

/**
 * Bytes a process has caused to be written to storage (`write_bytes` of /proc/<pid>/io: page-cache writes count when
 * they are dirtied, so a file rewritten in place before writeback counts each time); NaN where /proc/<pid>/io cannot be
 * read (another user's process, or a kernel without task I/O accounting).
 */
export function writtenBytes(pid: number): number {
  let io: string;
  try {
    io = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return Number.NaN;
  }
  const match = /^write_bytes: (\d+)$/m.exec(io);
  return match === null ? Number.NaN : Number(match[1]);
}

/** The soft limit on open files of this process. */
export function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match === null || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/** The machine's CPU time since boot from the first line of /proc/stat, in ms summed over every core. */
export interface MachineCpu {
  /** User, nice, system, irq and softirq: time some task or the kernel ran. */
  readonly busyMs: number;
  /** Idle and I/O wait. */
  readonly idleMs: number;
  /** Time the hypervisor ran something else while this machine had work (0 where it is not reported). */
  readonly stealMs: number;
}

export function machineCpu(stat = readFileSync('/proc/stat', 'utf8')): MachineCpu {
  const line = stat.slice(0, stat.indexOf('\n'));
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  if (!line.startsWith('cpu ') || ticks.length < 4 || ticks.some((n) => !Number.isFinite(n))) {
    throw new Error(`not the aggregate line of /proc/stat: ${line}`);
  }
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  return { busyMs: ticksToMs(user + nice + system + irq + softirq), idleMs: ticksToMs(idle + iowait), stealMs: ticksToMs(steal) };
}
