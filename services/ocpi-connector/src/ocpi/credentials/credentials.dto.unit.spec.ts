import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceToPlain } from 'class-transformer';
import { specExamples } from '../../testing/fixtures';
import { validateBody, validationProblems } from '../transport/validation';
import { CredentialsDto, VersionDetailsDto, VersionDto } from './credentials.dto';

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('credentials DTOs against the spec examples', () => {
  const examples = specExamples('credentials_example');
  it('finds the four credentials examples', () => assert.equal(examples.length, 4));

  for (const { name, json } of examples) {
    it(`${name} validates and serialises back without loss`, () => {
      const dto = validateBody(CredentialsDto, json);
      assert.ok(dto instanceof CredentialsDto);
      assert.deepEqual(roundTrip(instanceToPlain(dto)), json);
    });
  }

  it('version information and details examples validate', () => {
    for (const { json } of specExamples('versions_info_example')) for (const v of json as unknown[]) validateBody(VersionDto, v);
    for (const { name, json } of specExamples('version_details_example')) {
      const dto = validateBody(VersionDetailsDto, json);
      assert.deepEqual(roundTrip(instanceToPlain(dto)), json, name);
    }
  });

  it('names the offending field by its path', () => {
    const [{ json }] = specExamples('credentials_example3');
    const broken = structuredClone(json) as { roles: { party_id: string; business_details: { logo: { category: string } } }[] };
    broken.roles[0]!.party_id = 'TOOLONG';
    broken.roles[0]!.business_details.logo.category = 'SELFIE';
    const problems = validationProblems(CredentialsDto, broken);
    assert.ok(problems.some((p) => p.startsWith('roles[0].party_id:')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('roles[0].business_details.logo.category:')), problems.join('\n'));
  });

  it('refuses a token with whitespace, no roles, and a missing url', () => {
    assert.match(validationProblems(CredentialsDto, { token: 'a b', url: 'https://x/versions', roles: [] }).join('\n'), /token: must be printable[\s\S]*roles:/);
    assert.match(validationProblems(CredentialsDto, { token: 'ab', roles: [] }).join('\n'), /url:/);
  });
});
