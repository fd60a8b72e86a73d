import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceToPlain } from 'class-transformer';
import { specExamples } from '../../testing/fixtures';
import { validateBody, validationProblems } from '../transport/validation';
import { EvseDto, HoursDto, LocationDto, LocationFragmentDto, LocationPatchDto } from './location.dto';

const roundTrip = (dto: new () => object, json: unknown) => JSON.parse(JSON.stringify(instanceToPlain(validateBody(dto, json)))) as unknown;

describe('mod_locations DTOs against the spec examples', () => {
  const cases = [
    ...specExamples('location_example').map((e) => ({ ...e, dto: LocationDto })),
    ...specExamples('location_patch_example_').map((e) => ({ ...e, dto: LocationPatchDto })),
    ...specExamples('location_energymix_').map((e) => ({ ...e, dto: LocationFragmentDto })),
    ...specExamples('location_regularhours_').map((e) => ({ ...e, dto: LocationFragmentDto })),
    ...specExamples('location_hours_').map((e) => ({ ...e, dto: HoursDto })),
  ];

  it('finds every example', () => assert.equal(cases.length, 17));

  for (const { name, json, dto } of cases) {
    it(`${name} validates and serialises back without loss`, () => {
      assert.deepEqual(validationProblems(dto as never, json), []);
      assert.deepEqual(roundTrip(dto as never, json), json);
    });
  }

  it('refuses location_put_example_add_evse, which contradicts the EVSE object it illustrates', () => {
    const [example] = specExamples('location_put_example_add_evse');
    const problems = validationProblems(EvseDto, example!.json);
    // The example's connector lacks power_type, max_voltage, max_amperage and last_updated (all required by the
    // Connector object) and gives physical_reference as a number; the receiver must not accept that.
    for (const field of ['connectors[0].power_type', 'connectors[0].max_voltage', 'connectors[0].max_amperage', 'connectors[0].last_updated', 'physical_reference']) {
      assert.ok(problems.some((p) => p.startsWith(`${field}:`)), `${field} in ${problems.join('; ')}`);
    }
  });

  it('names the offending field of a location', () => {
    const [example] = specExamples('location_example.json');
    const broken = structuredClone(example!.json) as Record<string, any>;
    broken['evses'][1]['connectors'][0]['standard'] = 'T2';
    broken['coordinates']['latitude'] = '51.0';
    broken['opening_times'] = { twentyfourseven: false, regular_hours: [{ weekday: 8, period_begin: '08:00', period_end: '20:00' }] };
    const problems = validationProblems(LocationDto, broken);
    for (const field of ['evses[1].connectors[0].standard', 'coordinates.latitude', 'opening_times.regular_hours[0].weekday']) {
      assert.ok(problems.some((p) => p.startsWith(`${field}:`)), `${field} in ${problems.join('; ')}`);
    }
    assert.ok(validationProblems(LocationPatchDto, { status: 'CHARGING' }).some((p) => p.startsWith('last_updated:')));
  });
});
