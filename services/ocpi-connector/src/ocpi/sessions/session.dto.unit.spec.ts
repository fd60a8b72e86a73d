import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceToPlain } from 'class-transformer';
import { specExamples } from '../../testing/fixtures';
import { validateBody, validationProblems } from '../transport/validation';
import { CdrDto } from '../cdrs/cdr.dto';
import { SessionDto, SessionPatchDto } from './session.dto';

describe('mod_sessions and mod_cdrs DTOs against the spec examples', () => {
  const cases = [
    ...specExamples('session_example_').map((e) => ({ ...e, dto: SessionDto })),
    ...specExamples('session_patch_example_').map((e) => ({ ...e, dto: SessionPatchDto })),
    ...specExamples('cdr_example').map((e) => ({ ...e, dto: CdrDto })),
  ];

  it('finds every example', () => assert.equal(cases.length, 5));

  for (const { name, json, dto } of cases) {
    it(`${name} validates and serialises back without loss`, () => {
      assert.deepEqual(validationProblems(dto as never, json), []);
      assert.deepEqual(JSON.parse(JSON.stringify(instanceToPlain(validateBody(dto as never, json)))), json);
    });
  }

  it('names the offending field', () => {
    const [example] = specExamples('session_example_2');
    const broken = structuredClone(example!.json) as Record<string, any>;
    broken['charging_periods'][1]['dimensions'][0]['type'] = 'WATTS';
    delete broken['cdr_token']['uid'];
    const problems = validationProblems(SessionDto, broken);
    assert.ok(problems.some((p) => p.startsWith('charging_periods[1].dimensions[0].type:')), problems.join('; '));
    assert.ok(problems.some((p) => p.startsWith('cdr_token.uid:')), problems.join('; '));
    assert.ok(validationProblems(SessionPatchDto, { kwh: 1 }).some((p) => p.startsWith('last_updated:')));
  });
});
