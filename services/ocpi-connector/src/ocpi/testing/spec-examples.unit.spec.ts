import 'reflect-metadata';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { instanceToPlain, type ClassConstructor } from 'class-transformer';
import { FIXTURES_DIR } from '../../testing/fixtures';
import { CdrDto } from '../cdrs/cdr.dto';
import { CredentialsDto, VersionDetailsDto, VersionDto } from '../credentials/credentials.dto';
import { SessionDto, SessionPatchDto } from '../sessions/session.dto';
import { TariffDto } from '../tariffs/tariff.dto';
import { DisplayTextDto, TokenDto, TokenPatchDto } from '../tokens/tokens.dto';
import { parseEnvelope } from '../transport/envelope';
import { validateBody, validationProblems } from '../transport/validation';

/**
 * Every JSON example of the OCPI 2.2.1 distribution (fixtures/ocpi-2.2.1, copied unmodified) goes through the DTOs
 * of its module and back to JSON without loss. The examples named in KNOWN_WRONG contradict the spec text; the DTOs
 * follow the text, and the test checks they refuse those examples for exactly the stated reason.
 */
type Shape = { readonly dto: ClassConstructor<object>; readonly many?: boolean; readonly envelope?: boolean };

const MODULES: readonly { readonly prefix: string; readonly module: string; readonly shape: Shape }[] = [
  { prefix: 'credentials_example', module: 'credentials', shape: { dto: CredentialsDto } },
  { prefix: 'versions_info_example', module: 'versions', shape: { dto: VersionDto, many: true } },
  { prefix: 'version_details_example', module: 'versions', shape: { dto: VersionDetailsDto } },
  { prefix: 'transport_and_format_version_info_example', module: 'versions', shape: { dto: VersionDto, many: true, envelope: true } },
  { prefix: 'transport_and_format_version_details_example', module: 'versions', shape: { dto: VersionDetailsDto, envelope: true } },
  { prefix: 'transport_and_format_get_token_example', module: 'tokens', shape: { dto: TokenDto, envelope: true } },
  { prefix: 'transport_and_format_get_token_list_example', module: 'tokens', shape: { dto: TokenDto, many: true, envelope: true } },
  { prefix: 'token_example_', module: 'tokens', shape: { dto: TokenDto } },
  { prefix: 'token_put_example', module: 'tokens', shape: { dto: TokenDto } },
  { prefix: 'token_patch_example', module: 'tokens', shape: { dto: TokenPatchDto } },
  { prefix: 'session_example_', module: 'sessions', shape: { dto: SessionDto } },
  { prefix: 'session_patch_example_', module: 'sessions', shape: { dto: SessionPatchDto } },
  { prefix: 'cdr_example', module: 'cdrs', shape: { dto: CdrDto } },
  { prefix: 'tariff', module: 'tariffs', shape: { dto: TariffDto } },
  { prefix: 'type_displaytext_example', module: 'types', shape: { dto: DisplayTextDto } },
];

/** Modules whose examples another test validates (the locations module has its own DTO test). */
const ELSEWHERE = ['location_'];

/** Examples that contradict the spec text, and the problems our DTOs report for them. */
const KNOWN_WRONG: Readonly<Record<string, readonly string[]>> = {
  // mod_tariffs: Tariff.last_updated has cardinality 1, and a PUT carries the whole object, but this example of
  // "PUT To URL .../tariffs/NL/TNM/12" has no last_updated (it also names DE/ALL where the URL says NL/TNM, which
  // the PUT parameters forbid). Every other tariff example carries last_updated.
  'tariff_put_example.json': ['last_updated: must be an RFC 3339 date-time in UTC', 'last_updated: must be a string'],
};

const SPEC_EXAMPLES = join(__dirname, '..', '..', '..', '..', '..', '..', 'shared', 'specs', 'ocpi-2.2.1', 'examples');

const shapeOf = (name: string) => [...MODULES].sort((a, b) => b.prefix.length - a.prefix.length).find((m) => name.startsWith(m.prefix));
const fixtures = readdirSync(FIXTURES_DIR).filter((name) => name.endsWith('.json')).sort();
const read = (dir: string, name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));
/** What goes over the wire: JSON drops the fields a DTO instance leaves undefined. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function roundTrip(shape: Shape, json: unknown): unknown {
  const body = shape.envelope ? parseEnvelope(json).data : json;
  const objects = shape.many ? (assert.ok(Array.isArray(body), 'expected a list'), body as unknown[]) : [body];
  const back = objects.map((object) => instanceToPlain(validateBody(shape.dto, object)));
  const data = shape.many ? back : back[0];
  return wire(shape.envelope ? { ...(json as object), data } : data);
}

function problemsOf(shape: Shape, json: unknown): string[] {
  const body = shape.envelope ? parseEnvelope(json).data : json;
  return (shape.many ? (body as unknown[]) : [body]).flatMap((object) => validationProblems(shape.dto, object));
}

describe('every OCPI 2.2.1 spec example through the DTOs of its module', () => {
  it('covers every fixture with a module, and has the examples of every module', () => {
    const orphans = fixtures.filter((name) => !shapeOf(name) && !ELSEWHERE.some((prefix) => name.startsWith(prefix)));
    assert.deepEqual(orphans, []);
    const modules = new Set(fixtures.map((name) => shapeOf(name)?.module).filter(Boolean));
    assert.deepEqual([...modules].sort(), ['cdrs', 'credentials', 'sessions', 'tariffs', 'tokens', 'types', 'versions']);
  });

  for (const name of fixtures) {
    const shape = shapeOf(name)?.shape;
    if (!shape) continue;
    const wrong = KNOWN_WRONG[name];
    if (wrong) {
      it(`${name} contradicts the spec text and is refused for that reason only`, () => {
        assert.deepEqual(problemsOf(shape, read(FIXTURES_DIR, name)), wrong);
      });
      continue;
    }
    it(`${name} validates and serialises back without loss`, () => {
      const json = read(FIXTURES_DIR, name);
      assert.deepEqual(problemsOf(shape, json), []);
      assert.deepEqual(roundTrip(shape, json), json);
    });
  }

  it('keeps unmodified copies of the distribution, missing none of the covered modules', { skip: existsSync(SPEC_EXAMPLES) ? false : `the spec is not at ${SPEC_EXAMPLES}` }, () => {
    const originals = readdirSync(SPEC_EXAMPLES).filter((name) => name.endsWith('.json') && shapeOf(name));
    assert.deepEqual(
      originals.filter((name) => !fixtures.includes(name)),
      [],
      'examples of a covered module missing from fixtures/ocpi-2.2.1',
    );
    for (const name of fixtures.filter((n) => existsSync(join(SPEC_EXAMPLES, n)))) {
      assert.equal(readFileSync(join(FIXTURES_DIR, name), 'utf8'), readFileSync(join(SPEC_EXAMPLES, name), 'utf8'), `${name} differs from the spec's`);
    }
  });

  it('names the field of a broken tariff', () => {
    const broken = structuredClone(read(FIXTURES_DIR, 'tariff_4_complex.json')) as Record<string, any>;
    broken['elements'][2]['restrictions']['day_of_week'] = ['FUNDAY'];
    broken['elements'][0]['price_components'][0]['step_size'] = 1.5;
    broken['tariff_alt_url'] = 'not a url';
    const problems = validationProblems(TariffDto, broken);
    assert.ok(problems.some((p) => p.startsWith('elements[2].restrictions.day_of_week:')), problems.join('; '));
    assert.ok(problems.some((p) => p.startsWith('elements[0].price_components[0].step_size:')), problems.join('; '));
    assert.ok(problems.some((p) => p.startsWith('tariff_alt_url:')), problems.join('; '));
  });
});
