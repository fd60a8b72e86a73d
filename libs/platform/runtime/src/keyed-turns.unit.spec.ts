import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedTurns } from './keyed-turns';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedTurns', () => {
  it('runs the work of one key one at a time, in call order, and other keys alongside', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const step = (name: string, turnsToWait: number) => async () => {
      log.push(`${name} start`);
      for (let i = 0; i < turnsToWait; i++) await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([turns.run('a', step('a1', 3)), turns.run('a', step('a2', 0)), turns.run('b', step('b1', 1))]);
    assert.deepEqual(results, ['a1', 'a2', 'b1']);
    assert.ok(log.indexOf('a1 end') < log.indexOf('a2 start'), log.join(', '));
    assert.ok(log.indexOf('b1 start') < log.indexOf('a1 end'), 'b does not wait for a');
    await tick();
    assert.equal(turns.size, 0, 'keys are forgotten once their work settled');
  });

  it('goes on with the next work of a key after one failed, and hands the failure to its caller only', async () => {
    const turns = new KeyedTurns();
    const failed = turns.run('a', async () => {
      throw new Error('boom');
    });
    const next = turns.run('a', async () => 'after');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'after');
  });
});
