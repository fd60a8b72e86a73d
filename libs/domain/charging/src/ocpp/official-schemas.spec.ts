// Test support, not a test: validates payloads against the official OCPP JSON schemas that ship with ocpp-rpc,
// the schemas the gateway enforces on the wire. A *.spec file so the dependency rules leave it to tests only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

type Version = '1.6' | '2.0.1';
const files: Record<Version, string> = { '1.6': 'ocpp1_6.json', '2.0.1': 'ocpp2_0_1.json' };
const validators = new Map<Version, Ajv>();

function validatorFor(version: Version): Ajv {
  let ajv = validators.get(version);
  if (ajv === undefined) {
    const schemas = JSON.parse(readFileSync(require.resolve(`ocpp-rpc/lib/schemas/${files[version]}`), 'utf8')) as object[];
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const schema of schemas) ajv.addSchema(schema);
    validators.set(version, ajv);
  }
  return ajv;
}

/** Fails the test unless the payload is valid for the action's request (req) or response (conf) schema. */
export function assertValidOcpp(version: Version, action: string, kind: 'req' | 'conf', payload: unknown): void {
  const validate = validatorFor(version).getSchema(`urn:${action}.${kind}`);
  assert.ok(validate !== undefined, `no OCPP ${version} schema for ${action}.${kind}`);
  const valid = validate(payload);
  assert.ok(valid, `${action}.${kind} is not valid OCPP ${version}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(payload)}`);
}

export function isValidOcpp(version: Version, action: string, kind: 'req' | 'conf', payload: unknown): boolean {
  const validate = validatorFor(version).getSchema(`urn:${action}.${kind}`);
  return validate !== undefined && validate(payload) === true;
}
