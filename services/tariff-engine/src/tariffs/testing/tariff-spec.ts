import assert from 'node:assert/strict';
import { timestampFromDate } from '@roamgate/contracts';
import { aTariff } from '@roamgate/domain-tariffs/testing';
import type { Tariff } from '@roamgate/domain-tariffs';
import { tariffDecider, TariffRejected, type RejectionKind, type TariffCommand, type TariffState, type TariffTarget } from '../tariff.decider';
import { tariffEvent, type TariffEvent } from '../tariff-events';

export const t = (iso: string): Date => new Date(iso);
export const ts = (iso: string) => timestampFromDate(t(iso));

/** A valid OCPI tariff; the default id T1 and party NL*RGT. */
export const tariffJson = (override: Partial<Tariff> = {}): Tariff => aTariff({ id: 'T1', ...override });

export const published = (tariff: Tariff, at: string): TariffEvent =>
  tariffEvent('TariffPublished', {
    tariffId: tariff.id,
    occurredAt: ts(at),
    countryCode: tariff.country_code,
    partyId: tariff.party_id,
    currency: tariff.currency,
    lastUpdated: ts(tariff.last_updated),
    tariffJson: JSON.stringify(tariff),
    publishedBy: 'test',
  });

export const assigned = (tariffId: string, assignmentId: string, target: TariffTarget, validFrom: string, timeZone = 'Europe/Amsterdam'): TariffEvent =>
  tariffEvent('TariffAssigned', {
    tariffId,
    occurredAt: ts(validFrom),
    assignmentId,
    target: { ...target, partnerId: target.partnerId ?? '' },
    timeZone,
    validFrom: ts(validFrom),
    assignedBy: 'test',
  });

export const unassigned = (tariffId: string, assignmentId: string, target: TariffTarget, at: string, reason = 'unassigned'): TariffEvent =>
  tariffEvent('TariffUnassigned', {
    tariffId,
    occurredAt: ts(at),
    assignmentId,
    target: { ...target, partnerId: target.partnerId ?? '' },
    validUntil: ts(at),
    reason,
    unassignedBy: 'test',
  });

export const deleted = (tariffId: string, lastUpdated: string, at: string): TariffEvent =>
  tariffEvent('TariffDeleted', { tariffId, occurredAt: ts(at), lastUpdated: ts(lastUpdated), deletedBy: 'test' });

export const fold = (events: readonly TariffEvent[]): TariffState => events.reduce(tariffDecider.evolve, tariffDecider.initialState());

/** given(events) / when(command) / then(events), as emmett's DeciderSpecification. */
export function given(events: readonly TariffEvent[] = []) {
  const state = fold(events);
  return {
    state,
    when(command: TariffCommand) {
      const decided = tariffDecider.decide(command, state);
      return {
        events: decided,
        state: decided.reduce(tariffDecider.evolve, state),
        then: (expected: readonly TariffEvent[]) => assert.deepStrictEqual(decided, expected),
        thenNothing: () => assert.deepStrictEqual(decided, []),
      };
    },
    whenRejected(command: TariffCommand, kind: RejectionKind): TariffRejected {
      let rejection: unknown;
      try {
        tariffDecider.decide(command, state);
      } catch (error) {
        rejection = error;
      }
      assert.ok(rejection instanceof TariffRejected, `expected a ${kind} rejection, got ${String(rejection)}`);
      assert.equal(rejection.kind, kind, rejection.message);
      return rejection;
    },
  };
}
