import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { waitFor } from '@roamgate/runtime/testing';
import { LocationPublisher, OCPI_LOCATION_VIEWS } from '../ocpi/locations/location-publisher';
import { LocationRepository } from '../ocpi/locations/location.repository';
import { ScopeService } from '../ocpi/scope/scope.service';
import { startBenchConnector } from './bench-connector';

// GET /ocpi/2.2.1/locations over HTTP with 10,000 EVSEs (1,000 locations of 10 EVSEs), pages of 100 locations, as a
// registered eMSP calls it (token guard, routing, envelope, Link/X-Total-Count). Beside it, in the same run and with
// the same concurrency: GET /ocpi/2.2.1 (version details: the same guard and envelope, no data) as the baseline, and
// the date_from variant, which filters the partner's views in memory instead of paging in the read model.
// The partner's scope is empty while the EVSEs are seeded and then set to every location, which builds its views
// (and queues one PUT per location to it) before anything is measured.
//   node services/ocpi-connector/dist/bench/locations.bench.js    (or npm run bench -- locations)

const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 1_000);
const EVSES_PER_LOCATION = Number(process.env.BENCH_EVSES_PER_LOCATION ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

interface Result {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

async function measure(urls: (i: number) => string, authorization: string): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const url = urls(next++);
        const at = performance.now();
        const response = await fetch(url, { headers: { authorization } });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { requests: latencies.length, requestsPerSecond: Math.round(latencies.length / seconds), p50Ms: round(percentile(50)), p99Ms: round(percentile(99)) };
}

async function main(): Promise<void> {
  const { app, base, emsp, close } = await startBenchConnector({ pageLimit: 100 });
  try {
    const scopes = app.get(ScopeService, { strict: false });
    const scope = (locationIds: string[]) => scopes.set({ partnerId: 'NL-EMS', evseUids: [], locationIds, chargerIds: [], by: 'bench', reason: '', planId: '', sourceEventId: '', now: new Date() });
    await scope([]);
    const repository = app.get(LocationRepository, { strict: false });
    const seedStart = performance.now();
    for (let l = 0; l < LOCATIONS; l++) {
      const locationId = `LOC-${l}`;
      await repository.handle(locationId, {
        type: 'CreateLocation',
        locationId,
        by: 'bench',
        now: new Date(Date.UTC(2025, 0, 1) + l * 1000),
        details: {
          countryCode: 'NL', partyId: 'RGT', publish: true, name: `Site ${l}`, address: `Straat ${l}`, city: 'Utrecht', country: 'NLD',
          coordinates: { latitude: '52.089444', longitude: '5.110278' }, facilities: [], timeZone: 'Europe/Amsterdam',
        },
      });
      for (let e = 1; e <= EVSES_PER_LOCATION; e++) {
        await repository.handle(locationId, {
          type: 'AttachEvse',
          by: 'bench',
          now: new Date(Date.UTC(2025, 0, 1) + l * 1000 + e),
          evse: {
            chargerId: `CP-${l}`, evse: e, evseId: `NL*RGT*E${l}*${e}`, capabilities: ['REMOTE_START_STOP_CAPABLE'], parkingRestrictions: [],
            connectors: [{ id: '1', ocppConnectorId: 1, standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 230, maxAmperage: 32, tariffIds: ['T1'] }],
          },
        });
      }
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    await scope(Array.from({ length: LOCATIONS }, (_, l) => `LOC-${l}`));
    const readModels = app.get<ReadModelStore>(READ_MODELS, { strict: false });
    const viewsStart = performance.now();
    await waitFor(async () => ((await readModels.find(OCPI_LOCATION_VIEWS.name, { where: { partnerId: 'NL-EMS' }, limit: 1 })).total >= LOCATIONS ? true : undefined), 'partner views built', 600_000);
    const viewsSeconds = (performance.now() - viewsStart) / 1000;

    const authorization = `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}`;
    const pages = Math.ceil(LOCATIONS / 100);
    const list = `${base}/ocpi/2.2.1/locations`;
    await measure(() => list, authorization);
    const baseline = await measure(() => `${base}/ocpi/2.2.1`, authorization);
    const paged = await measure((i) => `${list}?offset=${(i % pages) * 100}&limit=100`, authorization);
    const dated = await measure((i) => `${list}?date_from=2025-01-01T00:00:00Z&offset=${(i % pages) * 100}&limit=100`, authorization);
    const publisher = app.get(LocationPublisher, { strict: false });
    const inProcessStart = performance.now();
    for (let i = 0; i < 50; i++) await publisher.page('NL-EMS', (i % pages) * 100, 100);
    const inProcessMs = round((performance.now() - inProcessStart) / 50);

    console.log(`GET locations: ${LOCATIONS} locations x ${EVSES_PER_LOCATION} EVSEs = ${LOCATIONS * EVSES_PER_LOCATION} EVSEs, pages of 100, concurrency ${CONCURRENCY}, ${REQUESTS} requests each`);
    console.log(`  seeded through the decider in ${round(seedSeconds)} s; partner views built in ${round(viewsSeconds)} s`);
    console.log(`  GET /ocpi/2.2.1 (baseline)        ${baseline.requestsPerSecond} req/s  p50 ${baseline.p50Ms} ms  p99 ${baseline.p99Ms} ms`);
    console.log(`  GET locations, page of 100        ${paged.requestsPerSecond} req/s  p50 ${paged.p50Ms} ms  p99 ${paged.p99Ms} ms  (${ratio(paged.requestsPerSecond, baseline.requestsPerSecond)}x baseline req/s)`);
    console.log(`  GET locations?date_from, page 100 ${dated.requestsPerSecond} req/s  p50 ${dated.p50Ms} ms  p99 ${dated.p99Ms} ms  (${ratio(dated.requestsPerSecond, baseline.requestsPerSecond)}x baseline req/s)`);
    console.log(`  of which the read-model page alone (in process, one at a time): ${inProcessMs} ms`);
    console.log(JSON.stringify({ inProcessPageMs: inProcessMs, bench: 'ocpi-locations-get', evses: LOCATIONS * EVSES_PER_LOCATION, locations: LOCATIONS, pageSize: 100, concurrency: CONCURRENCY, baseline, paged, dated, pagedVsBaseline: ratio(paged.requestsPerSecond, baseline.requestsPerSecond), datedVsBaseline: ratio(dated.requestsPerSecond, baseline.requestsPerSecond) }));
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
