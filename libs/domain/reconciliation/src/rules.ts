import type { ExceptionType, Facts, Owner } from './model.js';

/**
 * One ownership rule: for exceptions of `type`, when `when(facts)` holds, the owner is `owner`.
 * Rules read only the facts stored with the exception, so anyone can re-check a decision from the
 * exception alone. The first rule of a type that holds decides; UNKNOWN only when none holds.
 */
export interface OwnershipRule {
  readonly id: string;
  readonly type: ExceptionType;
  readonly owner: Owner | ((facts: Facts) => Owner);
  readonly sentence: string;
  readonly when: (facts: Facts) => boolean;
}

const always = () => true;
const abs = (v: unknown) => (typeof v === 'number' ? Math.abs(v) : Number.NaN);

export const OWNERSHIP_RULES: readonly OwnershipRule[] = [
  {
    id: 'REPLAY-1',
    type: 'REPLAY_MISMATCH',
    owner: 'BACKEND',
    sentence: 'Our CDR disagrees with the replay of its own session and tariff: our pricing or CDR issuing is wrong.',
    when: always,
  },
  {
    id: 'ANOMALY-METER-BACKWARDS',
    type: 'CHARGER_ANOMALY',
    owner: 'CHARGER',
    sentence: 'The charger reported a meter stop below its meter start.',
    when: (f) => f['anomaly'] === 'METER_BACKWARDS',
  },
  {
    id: 'ANOMALY-STOP-MISSING',
    type: 'CHARGER_ANOMALY',
    owner: 'CHARGER',
    sentence: 'The charger never reported the meter stop of the transaction.',
    when: (f) => f['anomaly'] === 'STOP_MISSING',
  },
  {
    id: 'ANOMALY-CLOCK-SKEW',
    type: 'CHARGER_ANOMALY',
    owner: 'CHARGER',
    sentence: "The charger's clock differed from ours by more than the partner's time tolerance.",
    when: (f) => f['anomaly'] === 'CLOCK_SKEW',
  },
  {
    id: 'ANOMALY-ENERGY-IMPOSSIBLE',
    type: 'CHARGER_ANOMALY',
    owner: 'CHARGER',
    sentence: "The charger's meter reports more energy than its maximum power can deliver in the session's duration.",
    when: (f) => f['anomaly'] === 'ENERGY_IMPOSSIBLE',
  },
  {
    id: 'DELIVERY-PENDING',
    type: 'CDR_NOT_DELIVERED',
    owner: 'BACKEND',
    sentence: 'The partner lacks the CDR and it still waits in our outbox: we have not delivered it.',
    when: (f) => f['delivery'] === 'PENDING',
  },
  {
    id: 'DELIVERY-OUTBOX-FAILED',
    type: 'CDR_NOT_DELIVERED',
    owner: 'BACKEND',
    sentence: 'The CDR POST failed on our side: the outbox did not send it, or we hold no cdrs endpoint for the partner.',
    when: (f) => f['failure'] === 'OUTBOX' || f['failure'] === 'NO_ENDPOINT',
  },
  {
    id: 'DELIVERY-PARTNER-REJECTED',
    type: 'CDR_NOT_DELIVERED',
    owner: 'PARTNER',
    sentence: "The partner's cdrs endpoint answered the CDR POST with HTTP 4xx/5xx or an OCPI error status after our retries.",
    when: (f) => (f['failure'] === 'HTTP' && typeof f['httpStatus'] === 'number' && f['httpStatus'] >= 400) || (f['failure'] === 'OCPI' && typeof f['ocpiStatus'] === 'number' && f['ocpiStatus'] >= 2000),
  },
  {
    id: 'DELIVERY-PARTNER-UNREACHABLE',
    type: 'CDR_NOT_DELIVERED',
    owner: 'PARTNER',
    sentence: "The partner's cdrs endpoint gave no answer (timeout, refused) on every one of at least two attempts.",
    when: (f) => f['failure'] === 'TRANSPORT' && typeof f['attempts'] === 'number' && f['attempts'] >= 2,
  },
  {
    id: 'DELIVERY-PARTNER-UNREACHABLE-SESSIONS',
    type: 'CDR_NOT_DELIVERED',
    owner: 'PARTNER',
    sentence:
      "The CDR POST got no answer, and neither did the pushes of its session: the partner acknowledged none of them, so its endpoints were unreachable on at least two calls.",
    when: (f) =>
      f['failure'] === 'TRANSPORT' &&
      f['sessionPushesAcknowledged'] === 0 &&
      f['sessionPushFailure'] === 'TRANSPORT' &&
      typeof f['sessionPushFailedAttempts'] === 'number' &&
      (typeof f['attempts'] === 'number' ? f['attempts'] : 1) + f['sessionPushFailedAttempts'] >= 2,
  },
  {
    id: 'MISSING-ACKNOWLEDGED',
    type: 'MISSING_AT_PARTNER',
    owner: 'PARTNER',
    sentence: 'The partner acknowledged our CDR POST but its settlement file lacks the CDR.',
    when: (f) => f['delivery'] === 'ACKNOWLEDGED',
  },
  {
    id: 'UNKNOWN-OTHER-PARTNER',
    type: 'UNKNOWN_TO_US',
    owner: 'BACKEND',
    sentence: 'We know the session but attributed it to another partner: our routing of the session or CDR is wrong.',
    when: (f) => f['sessionKnown'] === true && typeof f['sessionPartnerId'] === 'string' && f['sessionPartnerId'] !== f['partnerId'],
  },
  {
    id: 'UNKNOWN-SESSION-WITHOUT-CDR',
    type: 'UNKNOWN_TO_US',
    owner: 'BACKEND',
    sentence: 'We saw the session but issued no CDR for it.',
    when: (f) => f['sessionKnown'] === true && f['sessionCdrId'] === null,
  },
  {
    id: 'UNKNOWN-AUTHORIZED-NO-SESSION',
    type: 'UNKNOWN_TO_US',
    owner: 'CHARGER',
    sentence: 'We authorized the token for this charge, but the charger never reported a transaction for it.',
    when: (f) => f['sessionKnown'] !== true && f['authorizationKnown'] === true,
  },
  {
    id: 'UNKNOWN-FOREIGN-EVSE',
    type: 'UNKNOWN_TO_US',
    owner: 'PARTNER',
    sentence: 'The partner attributes the charge to an EVSE that is not ours.',
    when: (f) => f['evseIsOurs'] === false,
  },
  {
    id: 'UNKNOWN-IDS-NEVER-ISSUED',
    type: 'UNKNOWN_TO_US',
    owner: 'PARTNER',
    sentence:
      'The record names a session or CDR id that we, who issue both, never issued, at no EVSE known to be ours and under no authorization we granted: the record is not ours.',
    when: (f) =>
      (f['sessionKnown'] === false || f['cdrKnown'] === false) &&
      f['sessionKnown'] !== true &&
      f['cdrKnown'] !== true &&
      f['authorizationKnown'] !== true &&
      f['evseIsOurs'] !== true,
  },
  {
    id: 'DUPLICATE-OURS',
    type: 'DUPLICATE',
    owner: 'BACKEND',
    sentence: 'We issued the same CDR twice, or two CDRs for one session.',
    when: (f) => f['side'] === 'OURS',
  },
  {
    id: 'DUPLICATE-PARTNER',
    type: 'DUPLICATE',
    owner: 'PARTNER',
    sentence: "The partner's file lists the same CDR or session twice.",
    when: (f) => f['side'] === 'PARTNER',
  },
  {
    id: 'CURRENCY-REPLAYED',
    type: 'CURRENCY_MISMATCH',
    owner: 'PARTNER',
    sentence: "The partner settles in another currency than our CDR, whose price its replay confirms.",
    when: (f) => f['replayMatches'] === true,
  },
  {
    id: 'CURRENCY-REPLAY-DIFFERS',
    type: 'CURRENCY_MISMATCH',
    owner: 'BACKEND',
    sentence: 'The currencies differ and our CDR disagrees with its own replay.',
    when: (f) => f['replayMatches'] === false,
  },
  {
    id: 'TARIFF-OTHER-VERSION',
    type: 'TARIFF_MISMATCH',
    owner: 'PARTNER',
    sentence: 'The partner priced with another tariff or tariff version, while our CDR matches its replay.',
    when: (f) => f['replayMatches'] === true,
  },
  {
    id: 'TARIFF-REPLAY-DIFFERS',
    type: 'TARIFF_MISMATCH',
    owner: 'BACKEND',
    sentence: 'The tariffs differ and our CDR disagrees with its own replay: we may have priced with the wrong tariff.',
    when: (f) => f['replayMatches'] === false,
  },
  {
    id: 'AMOUNT-FOLLOWS-ENERGY',
    type: 'AMOUNT_MISMATCH',
    owner: (f) => (f['energyOwner'] as Owner | null) ?? 'UNKNOWN',
    sentence: 'The amounts differ because the energies differ: the owner of the energy mismatch owns the amount too.',
    when: (f) => f['energyAgrees'] === false && typeof f['energyOwner'] === 'string' && f['energyOwner'] !== 'UNKNOWN',
  },
  {
    id: 'AMOUNT-REPLAY-DIFFERS',
    type: 'AMOUNT_MISMATCH',
    owner: 'BACKEND',
    sentence: 'The amounts differ and our CDR disagrees with its own replay.',
    when: (f) => f['replayMatches'] === false,
  },
  {
    id: 'AMOUNT-REPLAYED',
    type: 'AMOUNT_MISMATCH',
    owner: 'PARTNER',
    sentence: 'The amounts differ while the energies agree and our CDR equals its replay: the partner priced differently.',
    when: (f) => f['replayMatches'] === true && f['energyAgrees'] === true,
  },
  {
    id: 'ENERGY-CHARGER-ANOMALY',
    type: 'ENERGY_MISMATCH',
    owner: 'CHARGER',
    sentence: "The energies differ and the charger's meter readings of the session are anomalous.",
    when: (f) => typeof f['chargerAnomaly'] === 'string',
  },
  {
    id: 'ENERGY-METERED',
    type: 'ENERGY_MISMATCH',
    owner: 'PARTNER',
    sentence: "The energies differ while our CDR equals the charger's meter stop minus meter start.",
    when: (f) => f['ourEqualsMeter'] === true,
  },
  {
    id: 'ENERGY-NOT-METERED',
    type: 'ENERGY_MISMATCH',
    owner: 'BACKEND',
    sentence: "The energies differ and our CDR's energy differs from the charger's own meter readings: we computed it wrongly.",
    when: (f) => f['ourEqualsMeter'] === false,
  },
  {
    id: 'DURATION-CLOCK-SKEW',
    type: 'DURATION_MISMATCH',
    owner: 'CHARGER',
    sentence: "The times differ and the charger's clock was off by more than the time tolerance.",
    when: (f) => typeof f['clockSkewS'] === 'number' && typeof f['toleranceS'] === 'number' && abs(f['clockSkewS']) > f['toleranceS'],
  },
  {
    id: 'DURATION-CHARGER-CLOCK',
    type: 'DURATION_MISMATCH',
    owner: 'PARTNER',
    sentence: "The times differ while our CDR's times come from a charger whose clock agreed with ours.",
    when: (f) => typeof f['clockSkewS'] === 'number' && typeof f['toleranceS'] === 'number' && abs(f['clockSkewS']) <= f['toleranceS'],
  },
];

export const NO_RULE = 'NO-RULE';

const byType = new Map<ExceptionType, OwnershipRule[]>();
for (const rule of OWNERSHIP_RULES) byType.set(rule.type, [...(byType.get(rule.type) ?? []), rule]);

export function decideOwner(type: ExceptionType, facts: Facts): { owner: Owner; rule: string } {
  for (const rule of byType.get(type) ?? []) {
    if (rule.when(facts)) return { owner: typeof rule.owner === 'function' ? rule.owner(facts) : rule.owner, rule: rule.id };
  }
  return { owner: 'UNKNOWN', rule: NO_RULE };
}
