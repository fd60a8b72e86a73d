import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteEventStore, type EventStore } from '@roamgate/event-store';
import type { LaunchFacts } from '@roamgate/launch';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { FactProjector } from '../facts/fact.projector';
import { FactStore } from '../facts/fact-store';
import { LaunchPlansService } from './launch-plans.service';

/** The real fact store, with a hook that runs while a load is under way (the plan changing meanwhile). */
class FactsWithHook extends FactStore {
  readonly loads: { start: Date; end: Date }[] = [];
  duringLoad: (() => Promise<unknown>) | undefined;

  override async load(start: Date, end: Date): Promise<LaunchFacts> {
    this.loads.push({ start, end });
    const hook = this.duringLoad;
    this.duringLoad = undefined;
    const facts = await super.load(start, end);
    await hook?.();
    return facts;
  }
}

describe('a gate evaluation grades the plan as it stands when the evaluation is recorded', () => {
  let dir: string;
  let events: EventStore;
  let readModels: ReadModelStore;
  let facts: FactsWithHook;
  let plans: LaunchPlansService;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-launch-plans-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: join(dir, 'read-models.sqlite') });
    await new FactProjector(readModels).onModuleInit();
    facts = new FactsWithHook(readModels);
    plans = new LaunchPlansService(events, facts);
  });

  after(async () => {
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const createPlan = (planId: string) =>
    plans.create({ planId, partnerId: 'NL-EMP', group: { selector: { vendors: ['Alfa'] } }, thresholds: { chargers_identified: '1' }, evaluationWindowSeconds: 3600 }, 'test');

  it('uses thresholds changed while the facts were loading, not the ones the evaluation started with', async () => {
    await createPlan('L-thresholds');
    facts.duringLoad = () => plans.update('L-thresholds', { thresholds: { chargers_identified: '0.5' } }, 'test');
    const evaluation = await plans.evaluate('L-thresholds', 'ON_DEMAND', 'test');
    const gate = evaluation.gates.find((g) => g.gate === 'chargers_identified');
    assert.equal(gate?.threshold, '0.5', JSON.stringify(evaluation.gates));
    // The recorded evaluation is the latest one, on the updated plan.
    const latest = (await plans.evaluations('L-thresholds'))[0];
    assert.equal(latest?.evaluationId, evaluation.evaluationId);
  });

  it('loads the facts again when the evaluation window changed meanwhile', async () => {
    await createPlan('L-window');
    facts.loads.length = 0;
    facts.duringLoad = () => plans.update('L-window', { evaluationWindowSeconds: 7200 }, 'test');
    const evaluation = await plans.evaluate('L-window', 'ON_DEMAND', 'test');
    assert.equal(facts.loads.length, 2);
    const [first, second] = facts.loads;
    assert.equal(first!.end.getTime() - first!.start.getTime(), 3_600_000);
    assert.equal(second!.end.getTime() - second!.start.getTime(), 7_200_000);
    assert.equal(Date.parse(evaluation.window.end!) - Date.parse(evaluation.window.start!), 7_200_000);
  });

  it('still answers 404 for a plan that does not exist', async () => {
    await assert.rejects(plans.evaluate('L-none', 'ON_DEMAND', 'test'), (error: Error & { status?: number }) => error.name === 'NotFoundException');
  });
});
