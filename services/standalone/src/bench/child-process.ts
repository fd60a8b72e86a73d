// Child processes of the gateway load bench (generators, echo server, the servers measured) and of its tests.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  next<T>(kind: string, timeoutMs: number): Promise<T>;
  output(): string;
  readonly exited: Promise<void>;
}

export interface ChildOptions {
  readonly env?: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** The open-file limit the child needs: raised to it when lower (the default leaves the limit alone). */
  readonly neededFiles?: number;
}

/**
 * Starts a compiled script with an IPC channel. `next` waits for the child's next message of a kind (a message of kind
 * `error` rejects with its text, as does the child exiting).
 */
export function startChild(script: string, { env = {}, nodeArgs = [], neededFiles = 0 }: ChildOptions = {}): Child {
  const child = spawn('/bin/sh', [
      '-c',
      `limit=$(ulimit -n); if [ "$limit" != unlimited ] && [ "$limit" -lt ${neededFiles} ]; then ulimit -n ${neededFiles} 2>/dev/null; fi; exec "$0" "$@"`,
      process.execPath,
      ...nodeArgs,
      script,
    ], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const inbox: { kind: string }[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (message: { kind: string }) => {
    inbox.push(message);
    wake?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => wake?.());
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    exited,
    async next<T>(kind: string, timeoutMs: number): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((m) => m.kind === kind || m.kind === 'error');
        if (index >= 0) {
          const [message] = inbox.splice(index, 1) as [{ kind: string; error?: string }];
          if (message.kind === 'error') throw new Error(`${script}: ${message.error}`);
          return message as T;
        }
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${script} exited: ${output}`);
        if (Date.now() > deadline) throw new Error(`${script}: no ${kind} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
  };
}

export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Waits for a child told to stop (over IPC) to exit, and kills it if it has not within `timeoutMs`. */
export async function awaitExit(child: Child, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([child.exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  await stopChild(child, 'SIGKILL');
}
