// What one more MeterValues costs a session aggregate that already holds n readings: decide (deduplicate against every
// reading so far) and evolve (add the reading), as the gateway does on every MeterValues; and the memory a session
// state of 1,000 readings holds (the gateway keeps 20,000 states folded). A session of a few hours with a reading
// every 10-60 s holds hundreds to thousands. Run: node libs/domain/charging/dist/bench/session-fold.bench.js
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OcppVersion } from '@roamgate/contracts';
import { decideAll } from '../shared/decider.js';
import type { MeterReading } from '../session/meter.js';
import { sessionDecider, type RecordMeterValues, type SessionState, type StartSession } from '../session/session.js';

const START = Date.parse('2026-11-26T08:00:00Z');
const reading = (i: number): MeterReading => ({
  timestamp: new Date(START + i * 15_000),
  values: [
    { value: String(1_000 + i * 40), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
    { value: '9600', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
  ],
});
const meterValues = (i: number): RecordMeterValues => ({ type: 'RecordMeterValues', sessionId: 's', samples: [reading(i)], now: new Date(START + i * 15_000 + 500) });
const start: StartSession = {
  type: 'StartSession',
  sessionId: 's',
  chargerId: 'CP',
  protocol: OcppVersion.OCPP_VERSION_1_6,
  connectorId: 1,
  transactionId: '1',
  idToken: { id: 'TAG' },
  meterStartWh: '1000',
  timestamp: new Date(START),
  now: new Date(START),
};

function sessionOf(n: number): SessionState {
  let state: SessionState = decideAll(sessionDecider, [start], sessionDecider.initialState()).state;
  for (let i = 1; i <= n; i++) state = decideAll(sessionDecider, [meterValues(i)], state).state;
  return state;
}

/** Memory (heap and array buffers) held per session state of `n` readings, in KB, over `count` of them. */
function retainedKb(n: number, count: number): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  // Heap and ArrayBuffer backing stores: the reading keys live in a typed array (DigestSet), outside the heap.
  const held = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const before = held();
  const states = Array.from({ length: count }, () => sessionOf(n));
  gc();
  const grown = held() - before;
  if (states.length !== count) throw new Error('unreachable: keeps the states alive until measured');
  return grown / count / 1024;
}

/** The state after `n` readings, then the mean cost of the next `steps` MeterValues, in microseconds. */
function perMeterValues(n: number, steps: number): number {
  let state = sessionOf(n);
  const began = performance.now();
  for (let i = n + 1; i <= n + steps; i++) state = decideAll(sessionDecider, [meterValues(i)], state).state;
  return ((performance.now() - began) * 1000) / steps;
}

perMeterValues(100, 2_000); // warm-up
const sizes = [10, 100, 1_000, 5_000];
const micros = sizes.map((n) => perMeterValues(n, 500));
sizes.forEach((n, i) => console.log(`session holding ${n} readings: ${micros[i]!.toFixed(1)} us per MeterValues (decide + evolve)`));
console.log(`5,000 vs 10 readings: x${(micros[3]! / micros[0]!).toFixed(2)}`);
const kb = retainedKb(1_000, 100);
console.log(`memory held per session state of 1,000 readings (heap and array buffers): ${kb.toFixed(0)} KB`);
console.log(
  JSON.stringify({
    bench: 'session-fold',
    results: { ...Object.fromEntries(sizes.map((n, i) => [`usPerMeterValuesAt${n}`, Number(micros[i]!.toFixed(2))])), kbHeldPerStateOf1000Readings: Math.round(kb) },
  }),
);
