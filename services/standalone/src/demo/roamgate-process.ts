import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@roamgate/runtime/testing';

export interface RoamgateProcess {
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  /** The last lines the process logged, for a failure message. */
  logTail(lines?: number): string;
  /** Lets the process outlive the demo (`--keep-running`). */
  detach(): void;
  stop(): Promise<void>;
}

/**
 * Starts the standalone process (`roamgate start`: all five services, embedded storage) as its own OS process, as
 * a user would, with its log in `<dataDir>/roamgate.log`; resolves once GET /ready answers 200.
 */
export async function startRoamgateProcess(options: { port: number; dataDir: string; adminToken: string; env: Readonly<Record<string, string>>; detached: boolean }): Promise<RoamgateProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const logFile = join(options.dataDir, 'roamgate.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, '..', 'main.js')], {
    env: {
      ...process.env,
      ...options.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      ROAMGATE_PUBLIC_URL: url,
      ROAMGATE_DATA_DIR: options.dataDir,
      ROAMGATE_ADMIN_TOKEN: options.adminToken,
    },
    stdio: ['ignore', log, log],
    // Its own process group only when it is to outlive the demo; otherwise Ctrl-C stops both.
    detached: options.detached,
  });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );
  const logTail = (lines = 20) => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  try {
    await waitFor(
      async () => {
        if (exit !== undefined) throw new Error(`the Roamgate process ${exit}:\n${logTail()}`);
        const ready = await fetch(`${url}/ready`).catch(() => undefined);
        return ready?.status === 200 ? true : undefined;
      },
      `Roamgate at ${url} to be ready`,
      90_000,
      200,
    );
  } catch (error) {
    if (exit === undefined) child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    logFile,
    logTail,
    detach: () => child.unref(),
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
