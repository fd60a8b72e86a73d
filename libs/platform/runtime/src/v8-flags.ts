import { setFlagsFromString } from 'node:v8';

/**
 * V8 options every Roamgate process runs with, set by runMain before the services start (they hold for the process's
 * worker threads too). Both trade a little memory for a shorter tail of the gateway's ack latency under load
 * (docs/benchmarks.md):
 * - `--no-allocation-site-pretenuring`: V8 otherwise allocates the objects of an allocation site it has seen survive
 *   straight into the old generation; under the gateway's load the scavenges are about 10% shorter without it and the
 *   old generation grows no faster (round 13: ack p99 under 50 ms at 3,000 MeterValues/s in 9 of 10 one-minute runs,
 *   against 4 of 10 with it).
 * - `--heap-growing-percent=700`: after a major collection the old generation may grow to eight times what survived
 *   it before the next one starts. Under load its growth is garbage that dies within seconds, and each major
 *   collection (its concurrent marking, then the pause) holds up acks for a few hundred milliseconds: at 3,000
 *   MeterValues/s one comes about every minute instead of every 20-30 s, for ~250 MB more peak RSS at 5,000 chargers
 *   (round 15). V8 still collects before its heap limit (`--max-old-space-size`); the memory a peak took is not promptly
 *   given back to the system.
 */
export const ROAMGATE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring', '--heap-growing-percent=700'];

/** A flag's name without dashes, `no-` and value, as V8 treats `--foo_bar`, `--foo-bar`, `--nofoo-bar` alike. */
function flagName(flag: string): string {
  return flag
    .replace(/^--?/, '')
    .replace(/=.*$/, '')
    .replace(/_/g, '-')
    .replace(/^no-?/, '');
}

/**
 * The flags of `defaults` that the operator did not set either way on node's command line (`execArgv`). NODE_OPTIONS
 * is not read: node refuses to start with these V8 options in it.
 */
export function v8FlagsToSet(defaults: readonly string[], execArgv: readonly string[]): string[] {
  const given = new Set(execArgv.filter((arg) => arg.startsWith('-')).map(flagName));
  return defaults.filter((flag) => !given.has(flagName(flag)));
}

/** Sets Roamgate's V8 options, leaving alone any the operator chose (e.g. `node --heap-growing-percent=100 main.js`). */
export function applyRoamgateV8Flags(): void {
  for (const flag of v8FlagsToSet(ROAMGATE_V8_FLAGS, process.execArgv)) setFlagsFromString(flag);
}
