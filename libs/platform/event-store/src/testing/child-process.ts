import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeChild {
  readonly child: ChildProcess;
  /** Every complete stdout line so far. */
  readonly lines: string[];
  /** The next stdout line not yet taken by nextLine(). */
  nextLine(timeoutMs?: number): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs a compiled script on this Node (process.execPath), reading its stdout line by line. */
export function spawnNode(script: string, args: readonly string[]): NodeChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let taken = 0;
  let waiter: (() => void) | undefined;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    waiter?.();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      waiter?.();
    }),
  );
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    async nextLine(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= lines.length) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before printing a line: ${stderr}`);
        }
        if (Date.now() > deadline) throw new Error(`no line from child within ${timeoutMs} ms: ${stderr}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        waiter = undefined;
      }
      return lines[taken++]!;
    },
  };
}
