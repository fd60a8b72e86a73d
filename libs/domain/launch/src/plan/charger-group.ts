import type { ChargerFact } from '../metrics/facts.js';

/** Chargers chosen by their attributes; a charger matches when it matches every non-empty list. */
export interface ChargerSelector {
  readonly locationIds?: readonly string[];
  readonly vendors?: readonly string[];
  readonly models?: readonly string[];
  readonly firmwareVersions?: readonly string[];
  readonly tags?: readonly string[];
}

/** The chargers and EVSEs of a launch: explicit ids plus the chargers the selector matches. */
export interface ChargerGroup {
  readonly chargerIds?: readonly string[];
  /** OCPI EVSE uids, e.g. "CP-0001-1"; they put their EVSE in scope without the rest of the charger. */
  readonly evseUids?: readonly string[];
  readonly selector?: ChargerSelector;
}

/** A group resolved against the chargers known at one moment: what the partner may see and command. */
export interface Scope {
  readonly chargerIds: readonly string[];
  readonly evseUids: readonly string[];
}

const SELECTOR_FIELDS = ['locationIds', 'vendors', 'models', 'firmwareVersions', 'tags'] as const;

export const emptyScope = (): Scope => ({ chargerIds: [], evseUids: [] });

export function hasSelector(selector: ChargerSelector | undefined): boolean {
  return selector !== undefined && SELECTOR_FIELDS.some((field) => (selector[field]?.length ?? 0) > 0);
}

export function isEmptyGroup(group: ChargerGroup): boolean {
  return (group.chargerIds?.length ?? 0) === 0 && (group.evseUids?.length ?? 0) === 0 && !hasSelector(group.selector);
}

export function matchesSelector(selector: ChargerSelector, charger: ChargerFact): boolean {
  if (!hasSelector(selector)) return false;
  const within = (wanted: readonly string[] | undefined, actual: string | undefined): boolean =>
    wanted === undefined || wanted.length === 0 || (actual !== undefined && wanted.includes(actual));
  const tagged = selector.tags === undefined || selector.tags.length === 0 || selector.tags.some((tag) => charger.tags?.includes(tag) ?? false);
  return (
    within(selector.locationIds, charger.locationId) &&
    within(selector.vendors, charger.vendor) &&
    within(selector.models, charger.model) &&
    within(selector.firmwareVersions, charger.firmware) &&
    tagged
  );
}

/** Explicit charger ids are kept even when the charger is not known yet: it enters scope when it first connects. */
export function resolveScope(group: ChargerGroup, chargers: readonly ChargerFact[]): Scope {
  const selected = group.selector === undefined ? [] : chargers.filter((c) => matchesSelector(group.selector!, c)).map((c) => c.chargerId);
  return { chargerIds: sortedUnique([...(group.chargerIds ?? []), ...selected]), evseUids: sortedUnique(group.evseUids ?? []) };
}

/** The scope of several groups (a plan's first group and the waves added to it): the union of their scopes. */
export function resolveGroups(groups: readonly ChargerGroup[], chargers: readonly ChargerFact[]): Scope {
  const scopes = groups.map((g) => resolveScope(g, chargers));
  return { chargerIds: sortedUnique(scopes.flatMap((s) => s.chargerIds)), evseUids: sortedUnique(scopes.flatMap((s) => s.evseUids)) };
}

export function scopeDifference(before: Scope, after: Scope): { addedChargerIds: string[]; removedChargerIds: string[]; addedEvseUids: string[]; removedEvseUids: string[] } {
  const minus = (x: readonly string[], y: readonly string[]): string[] => x.filter((id) => !y.includes(id));
  return {
    addedChargerIds: minus(after.chargerIds, before.chargerIds),
    removedChargerIds: minus(before.chargerIds, after.chargerIds),
    addedEvseUids: minus(after.evseUids, before.evseUids),
    removedEvseUids: minus(before.evseUids, after.evseUids),
  };
}

/** The charger an EVSE uid belongs to, as the gateway names EVSEs (`<chargerId>-<evse>`). */
export function chargerOfEvseUid(evseUid: string): string {
  const dash = evseUid.lastIndexOf('-');
  return dash > 0 && /^\d+$/.test(evseUid.slice(dash + 1)) ? evseUid.slice(0, dash) : evseUid;
}

/** The chargers whose traffic counts for a scope: every charger in it and the chargers of its EVSEs. */
export function chargersOfScope(scope: Scope): ReadonlySet<string> {
  return new Set([...scope.chargerIds, ...scope.evseUids.map(chargerOfEvseUid)]);
}

export function groupIssues(group: unknown, field: string): string[] {
  if (group === undefined) return [];
  if (group === null || typeof group !== 'object' || Array.isArray(group)) return [`${field}: expected an object with chargerIds, evseUids and/or selector`];
  const issues: string[] = [];
  const g = group as Record<string, unknown>;
  for (const key of Object.keys(g)) if (!['chargerIds', 'evseUids', 'selector'].includes(key)) issues.push(`${field}.${key}: unknown field`);
  issues.push(...stringListIssues(g.chargerIds, `${field}.chargerIds`), ...stringListIssues(g.evseUids, `${field}.evseUids`));
  if (g.selector !== undefined) {
    if (g.selector === null || typeof g.selector !== 'object' || Array.isArray(g.selector)) issues.push(`${field}.selector: expected an object`);
    else {
      const selector = g.selector as Record<string, unknown>;
      for (const key of Object.keys(selector)) {
        if (!(SELECTOR_FIELDS as readonly string[]).includes(key)) issues.push(`${field}.selector.${key}: unknown field; known: ${SELECTOR_FIELDS.join(', ')}`);
        else issues.push(...stringListIssues(selector[key], `${field}.selector.${key}`));
      }
    }
  }
  return issues;
}

function stringListIssues(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [`${field}: expected an array of strings`];
  const bad = value.findIndex((v) => typeof v !== 'string' || v.trim() === '' || v.length > 128);
  return bad < 0 ? [] : [`${field}[${bad}]: expected a non-empty string of at most 128 characters`];
}

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids)].sort();
