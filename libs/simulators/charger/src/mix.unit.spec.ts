import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assignModels, loadMixFile, parseMix, parseProtocol } from './mix';
import { InvalidInput } from './validation';

const model = (overrides: Record<string, unknown> = {}) => ({
  vendor: 'Alfen',
  model: 'Eve Single',
  firmwareVersion: '5.8.1',
  share: 1,
  ...overrides,
});

const counts = (assignment: number[], models: number) =>
  Array.from({ length: models }, (_, index) => assignment.filter((chosen) => chosen === index).length);

describe('model assignment by share', () => {
  it('gives every model its share of the fleet, rounded by largest remainder', () => {
    assert.deepEqual(counts(assignModels([0.5, 0.3, 0.2], 20), 3), [10, 6, 4]);
    assert.deepEqual(counts(assignModels([1, 1, 1], 10), 3), [4, 3, 3]);
    assert.deepEqual(counts(assignModels([5, 3, 2], 7), 3), [4, 2, 1]);
  });

  it('is deterministic and interleaves the models', () => {
    const assignment = assignModels([0.5, 0.3, 0.2], 10);
    assert.deepEqual(assignment, assignModels([0.5, 0.3, 0.2], 10));
    assert.deepEqual(assignment.slice(0, 3).sort(), [0, 1, 2]);
  });

  it('keeps shares that need not add up to 1', () => {
    assert.deepEqual(counts(assignModels([2, 6], 8), 2), [2, 6]);
  });

  it('refuses a mix without a positive share', () => {
    assert.throws(() => assignModels([], 3));
  });
});

describe('mix validation', () => {
  it('reads models with their faults, protocol and profile', () => {
    const mix = parseMix(
      {
        models: [
          model({ protocol: 'ocpp2.0.1', connectors: 2, maxPowerW: 11_000, faults: { rejectRemoteStart: true } }),
          model({ protocol: '1.6', faults: { dropConnectionMidSession: { afterMeterValues: 2, reconnectAfterMs: 500 } } }),
          model({ faults: { losesTransaction: { afterMeterValues: 3, restartAfterMs: 2_000 } } }),
        ],
      },
      'ocpp1.6',
    );
    assert.equal(mix.models[0]!.protocol, 'ocpp2.0.1');
    assert.equal(mix.models[0]!.connectors, 2);
    assert.deepEqual(mix.models[0]!.faults, { rejectRemoteStart: true });
    assert.equal(mix.models[1]!.protocol, 'ocpp1.6');
    assert.deepEqual(mix.models[1]!.faults, { dropConnectionMidSession: { afterMeterValues: 2, reconnectAfterMs: 500 } });
    assert.deepEqual(mix.models[2]!.faults, { losesTransaction: { afterMeterValues: 3, restartAfterMs: 2_000 } });
  });

  const rejects = (mix: unknown, path: string, protocol: 'ocpp1.6' | 'ocpp2.0.1' = 'ocpp1.6') =>
    assert.throws(
      () => parseMix(mix, protocol),
      (error: unknown) => error instanceof InvalidInput && error.path === path,
      `expected an error at ${path}`,
    );

  it('names the offending field', () => {
    rejects([], 'mix');
    rejects({}, 'models');
    rejects({ models: [] }, 'models');
    rejects({ models: [model(), model({ share: 0 })] }, 'models[1].share');
    rejects({ models: [model({ share: '50%' })] }, 'models[0].share');
    rejects({ models: [model({ vendor: '' })] }, 'models[0].vendor');
    rejects({ models: [model({ model: 'A model name longer than twenty' })] }, 'models[0].model');
    rejects({ models: [model({ protocol: 'ocpp2.1' })] }, 'models[0].protocol');
    rejects({ models: [model({ colour: 'red' })] }, 'models[0].colour');
    rejects({ models: [model({ connectors: 1.5 })] }, 'models[0].connectors');
    rejects({ models: [model({ faults: { clockSkewSeconds: 'late' } })] }, 'models[0].faults.clockSkewSeconds');
    rejects({ models: [model({ faults: { meltdown: true } })] }, 'models[0].faults.meltdown');
    rejects(
      { models: [model({ faults: { dropConnectionMidSession: { afterMeterValues: 2 } } })] },
      'models[0].faults.dropConnectionMidSession.reconnectAfterMs',
    );
    rejects({ models: [model({ faults: { losesTransaction: { afterMeterValues: -1, restartAfterMs: 10 } } })] }, 'models[0].faults.losesTransaction.afterMeterValues');
    rejects({ models: [model({ faults: { badFrame: { kind: 'rude' } } })] }, 'models[0].faults.badFrame.kind');
  });

  it('holds vendor names to the limit of the protocol that sends them', () => {
    const vendor = 'A Vendor Of Thirty Characters!';
    rejects({ models: [model({ vendor })] }, 'models[0].vendor', 'ocpp1.6');
    assert.equal(parseMix({ models: [model({ vendor })] }, 'ocpp2.0.1').models[0]!.vendor, vendor);
  });

  it('accepts the protocol as 1.6, 2.0.1 or the subprotocol name', () => {
    assert.equal(parseProtocol('1.6', 'p'), 'ocpp1.6');
    assert.equal(parseProtocol('2.0.1', 'p'), 'ocpp2.0.1');
    assert.equal(parseProtocol('ocpp2.0.1', 'p'), 'ocpp2.0.1');
    assert.throws(() => parseProtocol('1.5', '--ocpp'), /--ocpp: expected 1.6 or 2.0.1/);
  });
});

describe('mix file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-mix-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file, broken JSON and an invalid field with the file name', async () => {
    await assert.rejects(loadMixFile(join(dir, 'absent.json'), 'ocpp1.6'), /absent\.json: file not found/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "models": [ ');
    await assert.rejects(loadMixFile(broken, 'ocpp1.6'), /broken\.json: not valid JSON/);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ models: [model({ share: -1 })] }));
    await assert.rejects(loadMixFile(invalid, 'ocpp1.6'), /invalid\.json: models\[0\]\.share: expected a number above 0/);
  });

  it('loads the example mix shipped with the package', async () => {
    const mix = await loadMixFile(join(__dirname, '..', 'mixes', 'example-mix.json'), 'ocpp1.6');
    assert.equal(mix.models.length, 3);
    assert.ok(mix.models.some((m) => m.faults !== undefined));
  });
});
