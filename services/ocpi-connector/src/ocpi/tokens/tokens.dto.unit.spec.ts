import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceToPlain } from 'class-transformer';
import { specExamples } from '../../testing/fixtures';
import { validateBody, validationProblems } from '../transport/validation';
import { AuthorizationInfoDto, TokenDto, TokenPatchDto } from './tokens.dto';

/** What goes over the wire: JSON drops the fields a DTO instance leaves undefined. */
const serialised = (dto: object): unknown => JSON.parse(JSON.stringify(instanceToPlain(dto)));
const tokens = [...specExamples('token_example_'), ...specExamples('token_put_example')];
const envelopes = specExamples('transport_and_format_get_token');

describe('mod_tokens DTOs', () => {
  it('validates every Token example of the spec and serialises it back without loss', () => {
    const all = [...tokens.map((e) => ({ name: e.name, json: e.json })), ...envelopes.flatMap((e) => [(e.json as { data: unknown }).data].flat().map((json, i) => ({ name: `${e.name}[${i}]`, json })))];
    assert.equal(all.length, 7);
    for (const { name, json } of all) {
      assert.deepEqual(validationProblems(TokenDto, json), [], name);
      assert.deepEqual(serialised(validateBody(TokenDto, json)), json, name);
    }
  });

  it('validates the PATCH example, which carries last_updated as the spec requires', () => {
    const [patch] = specExamples('token_patch_example');
    assert.deepEqual(serialised(validateBody(TokenPatchDto, patch!.json)), patch!.json);
    assert.deepEqual(validationProblems(TokenPatchDto, { valid: false }), ['last_updated: must be an RFC 3339 DateTime', 'last_updated: must be a UTC DateTime like 2015-06-29T20:39:09Z']);
  });

  it('names the offending field of a bad token', () => {
    const [example] = tokens;
    const bad = { ...(example!.json as object), whitelist: 'SOMETIMES', uid: 'x'.repeat(37), energy_contract: { contract_id: 'c' } };
    const problems = validationProblems(TokenDto, bad);
    assert.ok(problems.some((p) => p.startsWith('whitelist: must be one of the following values')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('uid: must be shorter than or equal to 36')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('energy_contract.supplier_name: ')), problems.join('\n'));
  });

  it('validates an AuthorizationInfo with its token and location', () => {
    const [example] = tokens;
    const info = { allowed: 'ALLOWED', token: example!.json, location: { location_id: 'LOC1', evse_uids: ['CP1-1'] }, authorization_reference: 'REF-1', info: { language: 'en', text: 'ok' } };
    assert.deepEqual(serialised(validateBody(AuthorizationInfoDto, info)), info);
    assert.ok(validationProblems(AuthorizationInfoDto, { ...info, allowed: 'MAYBE' }).some((p) => p.startsWith('allowed: ')));
  });
});
