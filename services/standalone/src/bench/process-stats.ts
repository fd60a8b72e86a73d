import { readFileSync } from 'node:fs';

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

/** User plus system CPU time a process has used, in ms; `mainThread`: only its main thread's (the event loop's). */
export function cpuMs(pid: number, mainThread = false): number {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted from the state field (3).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
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
