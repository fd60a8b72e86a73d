import { timestampDate, timestampFromDate, timestampFromMs, type TariffTarget as TargetMessage } from '@roamgate/contracts';
import { parseOcpiDateTime, validateTariff, ZoneClock, type Tariff } from '@roamgate/domain-tariffs';
import { tariffEvent, type TariffEvent } from './tariff-events';

/** Where a tariff applies. Absent evse/connector: all of the charger's; absent partner: every partner. */
export interface TariffTarget {
  readonly chargerId: string;
  readonly evseId?: number;
  readonly connectorId?: number;
  readonly partnerId?: string;
}

export interface TariffVersion {
  /** As the tariff carries it; names the version. */
  readonly lastUpdated: string;
  readonly lastUpdatedMs: number;
  /** From then on this version priced new sessions. */
  readonly publishedAt: Date;
  readonly tariff: Tariff;
}

export interface TariffAssignment {
  readonly assignmentId: string;
  readonly target: TariffTarget;
  readonly timeZone: string;
  readonly validFrom: Date;
  /** Exclusive; absent while the assignment lasts. */
  readonly validUntil?: Date;
  readonly assignedAt: Date;
  readonly endReason?: string;
}

export interface TariffState {
  readonly tariffId: string;
  readonly countryCode: string;
  readonly partyId: string;
  /** Ordered by last_updated, which is also publication order: only later versions are accepted. */
  readonly versions: readonly TariffVersion[];
  readonly deletions: readonly Date[];
  readonly deleted: boolean;
  /** Every assignment ever made, ended ones included, so that the past can be answered. */
  readonly assignments: readonly TariffAssignment[];
}

export type PublishTariff = Readonly<{ type: 'PublishTariff'; tariffId: string; tariff: unknown; now: Date; by: string }>;
export type DeleteTariff = Readonly<{ type: 'DeleteTariff'; tariffId: string; now: Date; by: string }>;
export type AssignTariff = Readonly<{
  type: 'AssignTariff';
  tariffId: string;
  assignmentId: string;
  target: TariffTarget;
  timeZone: string;
  validFrom?: Date;
  now: Date;
  by: string;
}>;
export type UnassignTariff = Readonly<{ type: 'UnassignTariff'; tariffId: string; assignmentId: string; now: Date; by: string }>;

export type TariffCommand = PublishTariff | DeleteTariff | AssignTariff | UnassignTariff;

export type RejectionKind = 'invalid' | 'conflict' | 'not_found';

export class TariffRejected extends Error {
  override readonly name = 'TariffRejected';
  constructor(
    readonly kind: RejectionKind,
    message: string,
    /** For invalid input: one `path: problem` line per problem. */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export function initialTariffState(): TariffState {
  return { tariffId: '', countryCode: '', partyId: '', versions: [], deletions: [], deleted: false, assignments: [] };
}

export const currentVersion = (state: TariffState): TariffVersion | undefined => state.versions[state.versions.length - 1];
export const tariffExists = (state: TariffState): boolean => state.versions.length > 0;
export const isActive = (assignment: TariffAssignment): boolean => assignment.validUntil === undefined;

export function decideTariff(command: TariffCommand, state: TariffState): readonly TariffEvent[] {
  switch (command.type) {
    case 'PublishTariff':
      return publish(command, state);
    case 'DeleteTariff':
      return remove(command, state);
    case 'AssignTariff':
      return assign(command, state);
    case 'UnassignTariff':
      return unassign(command, state);
  }
}

function publish(command: PublishTariff, state: TariffState): readonly TariffEvent[] {
  const validation = validateTariff(command.tariff);
  if (!validation.ok) throw new TariffRejected('invalid', `invalid tariff: ${validation.issues.join('; ')}`, validation.issues);
  const tariff = validation.value;
  if (tariff.id !== command.tariffId) {
    const issue = `id: expected "${command.tariffId}", the id in the path, got "${tariff.id}"`;
    throw new TariffRejected('invalid', `invalid tariff: ${issue}`, [issue]);
  }
  const current = currentVersion(state);
  if (current !== undefined && (tariff.country_code !== state.countryCode || tariff.party_id !== state.partyId)) {
    throw new TariffRejected(
      'conflict',
      `tariff ${command.tariffId} belongs to ${state.countryCode}*${state.partyId}, not ${tariff.country_code}*${tariff.party_id}: tariff ids are per party`,
    );
  }
  const lastUpdatedMs = parseOcpiDateTime(tariff.last_updated);
  if (current !== undefined && lastUpdatedMs <= current.lastUpdatedMs) {
    if (!state.deleted && canonicalJson(tariff) === canonicalJson(current.tariff)) return [];
    throw new TariffRejected(
      'conflict',
      `last_updated: ${tariff.last_updated} is not later than ${current.lastUpdated}, the last_updated of the stored version of tariff ${command.tariffId}` +
        (state.deleted ? ' (deleted)' : '') +
        '; a changed tariff needs a later last_updated',
    );
  }
  return [
    tariffEvent('TariffPublished', {
      tariffId: tariff.id,
      occurredAt: timestampFromDate(command.now),
      countryCode: tariff.country_code,
      partyId: tariff.party_id,
      currency: tariff.currency,
      lastUpdated: timestampFromMs(lastUpdatedMs),
      tariffJson: JSON.stringify(tariff),
      publishedBy: command.by,
    }),
  ];
}

function remove(command: DeleteTariff, state: TariffState): readonly TariffEvent[] {
  const current = requireTariff(command.tariffId, state);
  if (state.deleted) return [];
  const ended = state.assignments
    .filter(isActive)
    .map((a) => unassigned(command.tariffId, a, { now: command.now, validUntil: command.now, reason: 'tariff deleted', by: command.by }));
  return [
    ...ended,
    tariffEvent('TariffDeleted', {
      tariffId: command.tariffId,
      occurredAt: timestampFromDate(command.now),
      lastUpdated: timestampFromMs(current.lastUpdatedMs),
      deletedBy: command.by,
    }),
  ];
}

function assign(command: AssignTariff, state: TariffState): readonly TariffEvent[] {
  requireTariff(command.tariffId, state);
  if (state.deleted) throw new TariffRejected('conflict', `tariff ${command.tariffId} is deleted; publish a new version before assigning it`);
  const issues = [...targetIssues(command.target), ...timeZoneIssues(command.timeZone)];
  if (command.validFrom !== undefined && Number.isNaN(command.validFrom.getTime())) issues.push('validFrom: expected an RFC 3339 time');
  if (issues.length > 0) throw new TariffRejected('invalid', `invalid assignment: ${issues.join('; ')}`, issues);
  const validFrom = command.validFrom ?? command.now;
  const existing = activeAssignmentFor(state, command.target);
  if (existing !== undefined && existing.timeZone === command.timeZone && (command.validFrom === undefined || sameInstant(existing.validFrom, validFrom))) {
    return [];
  }
  const replaced = existing === undefined ? [] : [unassigned(command.tariffId, existing, { now: command.now, validUntil: validFrom, reason: 'replaced', by: command.by })];
  return [
    ...replaced,
    tariffEvent('TariffAssigned', {
      tariffId: command.tariffId,
      occurredAt: timestampFromDate(command.now),
      assignmentId: command.assignmentId,
      target: targetMessage(command.target),
      timeZone: command.timeZone,
      validFrom: timestampFromDate(validFrom),
      assignedBy: command.by,
    }),
  ];
}

function unassign(command: UnassignTariff, state: TariffState): readonly TariffEvent[] {
  requireTariff(command.tariffId, state);
  const assignment = state.assignments.find((a) => a.assignmentId === command.assignmentId);
  if (assignment === undefined) throw new TariffRejected('not_found', `tariff ${command.tariffId} has no assignment ${command.assignmentId}`);
  if (!isActive(assignment)) return [];
  return [unassigned(command.tariffId, assignment, { now: command.now, validUntil: command.now, reason: 'unassigned', by: command.by })];
}

function unassigned(tariffId: string, assignment: TariffAssignment, how: { now: Date; validUntil: Date; reason: string; by: string }): TariffEvent {
  return tariffEvent('TariffUnassigned', {
    tariffId,
    occurredAt: timestampFromDate(how.now),
    assignmentId: assignment.assignmentId,
    target: targetMessage(assignment.target),
    validUntil: timestampFromDate(how.validUntil),
    reason: how.reason,
    unassignedBy: how.by,
  });
}

function requireTariff(tariffId: string, state: TariffState): TariffVersion {
  const current = currentVersion(state);
  if (current === undefined) throw new TariffRejected('not_found', `tariff ${tariffId} not found`);
  return current;
}

export function evolveTariff(state: TariffState, event: TariffEvent): TariffState {
  switch (event.type) {
    case 'TariffPublished': {
      const { data } = event;
      const tariff = JSON.parse(data.tariffJson) as Tariff;
      const version: TariffVersion = {
        lastUpdated: tariff.last_updated,
        lastUpdatedMs: parseOcpiDateTime(tariff.last_updated),
        publishedAt: dateOf(data.occurredAt),
        tariff,
      };
      return { ...state, tariffId: data.tariffId, countryCode: data.countryCode, partyId: data.partyId, versions: [...state.versions, version], deleted: false };
    }
    case 'TariffDeleted':
      return { ...state, deleted: true, deletions: [...state.deletions, dateOf(event.data.occurredAt)] };
    case 'TariffAssigned': {
      const { data } = event;
      const assignment: TariffAssignment = {
        assignmentId: data.assignmentId,
        target: targetOf(data.target),
        timeZone: data.timeZone,
        validFrom: dateOf(data.validFrom ?? data.occurredAt),
        assignedAt: dateOf(data.occurredAt),
      };
      return { ...state, assignments: [...state.assignments, assignment] };
    }
    case 'TariffUnassigned': {
      const { data } = event;
      const validUntil = dateOf(data.validUntil ?? data.occurredAt);
      return {
        ...state,
        assignments: state.assignments.map((a) => (a.assignmentId === data.assignmentId ? { ...a, validUntil, endReason: data.reason } : a)),
      };
    }
  }
}

export const tariffDecider = { decide: decideTariff, evolve: evolveTariff, initialState: initialTariffState };

export function activeAssignmentFor(state: TariffState, target: TariffTarget): TariffAssignment | undefined {
  const key = targetKey(target);
  return state.assignments.find((a) => isActive(a) && targetKey(a.target) === key);
}

export const targetKey = (t: TariffTarget): string => JSON.stringify([t.chargerId, t.evseId ?? null, t.connectorId ?? null, t.partnerId ?? null]);

/** The OCPI tariff version in force at `at`: the last one published by then, unless the tariff was deleted after it. */
export function versionInForce(state: TariffState, at: Date): TariffVersion | undefined {
  const ms = at.getTime();
  let version: TariffVersion | undefined;
  for (const v of state.versions) if (v.publishedAt.getTime() <= ms) version = v;
  if (version === undefined) return undefined;
  const deletedAfter = state.deletions.some((d) => d.getTime() <= ms && d.getTime() >= version.publishedAt.getTime());
  return deletedAfter ? undefined : version;
}

export function versionByLastUpdated(state: TariffState, lastUpdated: string | Date): TariffVersion | undefined {
  const ms = lastUpdated instanceof Date ? lastUpdated.getTime() : parseOcpiDateTime(lastUpdated);
  return state.versions.find((v) => v.lastUpdatedMs === ms);
}

/** OCPP 2.0.1 identityString: at most 48 characters; ':' ends the HTTP Basic username and '/' the URL segment. */
export function targetIssues(target: TariffTarget): string[] {
  const issues: string[] = [];
  const id = target.chargerId;
  if (typeof id !== 'string' || id === '') issues.push('chargerId: is required (the OCPP charge point identity)');
  else if (id.length > 48 || /[:/\s\p{Cc}]/u.test(id)) issues.push(`chargerId: expected 1 to 48 characters without ':', '/' or whitespace, got "${id}"`);
  for (const field of ['evseId', 'connectorId'] as const) {
    const value = target[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > 2 ** 31 - 1)) issues.push(`${field}: expected an integer >= 0`);
  }
  const partner = target.partnerId;
  if (partner !== undefined && (typeof partner !== 'string' || partner === '' || partner.length > 64 || /[\s\p{Cc}]/u.test(partner))) {
    issues.push('partnerId: expected 1 to 64 characters without whitespace');
  }
  return issues;
}

export function timeZoneIssues(timeZone: unknown): string[] {
  if (typeof timeZone !== 'string' || timeZone === '') return ['timeZone: is required (the IANA time zone of the location, e.g. Europe/Amsterdam)'];
  return ZoneClock.isKnown(timeZone) ? [] : [`timeZone: unknown IANA time zone "${timeZone}", e.g. Europe/Amsterdam`];
}

function targetMessage(target: TariffTarget): Omit<TargetMessage, '$typeName' | '$unknown'> {
  return {
    chargerId: target.chargerId,
    ...(target.evseId === undefined ? {} : { evseId: target.evseId }),
    ...(target.connectorId === undefined ? {} : { connectorId: target.connectorId }),
    partnerId: target.partnerId ?? '',
  };
}

function targetOf(message: TargetMessage | undefined): TariffTarget {
  return {
    chargerId: message?.chargerId ?? '',
    ...(message?.evseId === undefined ? {} : { evseId: message.evseId }),
    ...(message?.connectorId === undefined ? {} : { connectorId: message.connectorId }),
    ...(message?.partnerId ? { partnerId: message.partnerId } : {}),
  };
}

const dateOf = (timestamp: Parameters<typeof timestampDate>[0] | undefined): Date => (timestamp === undefined ? new Date(0) : timestampDate(timestamp));
const sameInstant = (a: Date, b: Date): boolean => a.getTime() === b.getTime();

/** Key order and whitespace do not make a tariff different. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
