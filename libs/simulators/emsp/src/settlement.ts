import type { OcpiObject } from './model';
import { InvalidInput } from './validation';

/** One line of the partner's settlement records, as an eMSP would send them back to the CPO. */
export interface SettlementRow {
  readonly cdr_id: string;
  readonly session_id: string;
  readonly authorization_reference: string;
  readonly start_date_time: string;
  readonly end_date_time: string;
  readonly total_energy_kwh: number;
  readonly total_cost_excl_vat: number;
  readonly total_cost_incl_vat: number | null;
  readonly currency: string;
  readonly tariff_id: string;
}

export const settlementColumns: readonly (keyof SettlementRow)[] = [
  'cdr_id',
  'session_id',
  'authorization_reference',
  'start_date_time',
  'end_date_time',
  'total_energy_kwh',
  'total_cost_excl_vat',
  'total_cost_incl_vat',
  'currency',
  'tariff_id',
];

export type SettlementInjection =
  | { readonly cdrId: string; readonly kind: 'amount'; readonly delta?: number }
  | { readonly cdrId: string; readonly kind: 'energy'; readonly delta?: number }
  | { readonly cdrId: string; readonly kind: 'duration'; readonly deltaSeconds?: number }
  | { readonly cdrId: string; readonly kind: 'currency'; readonly currency?: string }
  | { readonly cdrId: string; readonly kind: 'tariff'; readonly tariffId?: string }
  | { readonly cdrId: string; readonly kind: 'missing' }
  | { readonly cdrId: string; readonly kind: 'duplicate' }
  | { readonly cdrId: string; readonly kind: 'unknown' };

export type DiscrepancyKind = SettlementInjection['kind'];
export const discrepancyKinds: readonly DiscrepancyKind[] = [
  'amount',
  'energy',
  'duration',
  'currency',
  'tariff',
  'missing',
  'duplicate',
  'unknown',
];

/** The reconciliation exception a CPO should find for an injected discrepancy, and who owns it. */
export interface ExpectedException {
  readonly type: 'AMOUNT_MISMATCH' | 'ENERGY_MISMATCH' | 'DURATION_MISMATCH' | 'CURRENCY_MISMATCH' | 'TARIFF_MISMATCH' | 'MISSING_AT_PARTNER' | 'DUPLICATE' | 'UNKNOWN_TO_US';
  readonly owner: 'PARTNER';
}

/**
 * Every injection is the partner's doing: the eMSP received the CPO's CDR (acknowledged it) and wrote something else
 * in its file, so a CPO whose own CDR is right (equal to its replay and its charger's meter, clock in step) must find
 * the exception owned by PARTNER. An unknown record names a session and CDR id the CPO never issued, at no EVSE.
 */
export const expectedExceptions: Readonly<Record<DiscrepancyKind, ExpectedException>> = {
  amount: { type: 'AMOUNT_MISMATCH', owner: 'PARTNER' },
  energy: { type: 'ENERGY_MISMATCH', owner: 'PARTNER' },
  duration: { type: 'DURATION_MISMATCH', owner: 'PARTNER' },
  currency: { type: 'CURRENCY_MISMATCH', owner: 'PARTNER' },
  tariff: { type: 'TARIFF_MISMATCH', owner: 'PARTNER' },
  missing: { type: 'MISSING_AT_PARTNER', owner: 'PARTNER' },
  duplicate: { type: 'DUPLICATE', owner: 'PARTNER' },
  unknown: { type: 'UNKNOWN_TO_US', owner: 'PARTNER' },
};

/**
 * What the file says differs from the CDR the eMSP received: `received` is the CPO's value, `reported` the file's;
 * `expected` is the exception the CPO's reconciliation should raise for it, with its owner.
 */
export interface Discrepancy {
  readonly cdrId: string;
  readonly kind: DiscrepancyKind;
  readonly field?: keyof SettlementRow;
  readonly received?: string;
  readonly reported?: string;
  readonly expected: ExpectedException;
}

export interface SettlementOptions {
  readonly format: 'csv' | 'json';
  readonly inject?: readonly SettlementInjection[];
}

export interface SettlementFile {
  readonly format: 'csv' | 'json';
  readonly content: string;
  readonly rows: readonly SettlementRow[];
  readonly discrepancies: readonly Discrepancy[];
}

export function settlementRowOf(cdr: OcpiObject): SettlementRow {
  const cost = (cdr['total_cost'] ?? {}) as OcpiObject;
  const tariffs = (cdr['tariffs'] ?? []) as readonly OcpiObject[];
  const periods = (cdr['charging_periods'] ?? []) as readonly OcpiObject[];
  const inclVat = cost['incl_vat'];
  return {
    cdr_id: String(cdr['id'] ?? ''),
    session_id: String(cdr['session_id'] ?? ''),
    authorization_reference: String(cdr['authorization_reference'] ?? ''),
    start_date_time: String(cdr['start_date_time'] ?? ''),
    end_date_time: String(cdr['end_date_time'] ?? ''),
    total_energy_kwh: Number(cdr['total_energy'] ?? 0),
    total_cost_excl_vat: Number(cost['excl_vat'] ?? 0),
    total_cost_incl_vat: typeof inclVat === 'number' ? inclVat : null,
    currency: String(cdr['currency'] ?? ''),
    tariff_id: String(tariffs[0]?.['id'] ?? periods.find((period) => period['tariff_id'] !== undefined)?.['tariff_id'] ?? ''),
  };
}

/** Deterministic: rows sorted by CDR id, unknown rows last, the same input always gives the same bytes. */
export function settlementFile(cdrs: readonly OcpiObject[], options: SettlementOptions): SettlementFile {
  const byId = new Map<string, SettlementRow>();
  for (const cdr of cdrs) {
    const row = settlementRowOf(cdr);
    byId.set(row.cdr_id, row);
  }
  const injections = checkedInjections(options.inject ?? [], byId);
  const discrepancies: Discrepancy[] = [];
  const rows: SettlementRow[] = [];
  for (const original of [...byId.values()].sort((a, b) => compare(a.cdr_id, b.cdr_id))) {
    let row = original;
    let copies = 1;
    for (const injection of injections.filter((candidate) => candidate.cdrId === original.cdr_id)) {
      const applied = applyInjection(row, injection);
      row = applied.row;
      if (injection.kind === 'missing') copies = 0;
      if (injection.kind === 'duplicate') copies = 2;
      discrepancies.push(applied.discrepancy);
    }
    for (let copy = 0; copy < copies; copy++) rows.push(row);
  }
  const template = rows[0];
  for (const injection of injections.filter((candidate) => candidate.kind === 'unknown').sort((a, b) => compare(a.cdrId, b.cdrId))) {
    rows.push(unknownRow(injection.cdrId, template));
    discrepancies.push({ cdrId: injection.cdrId, kind: 'unknown', expected: expectedExceptions.unknown });
  }
  return {
    format: options.format,
    rows,
    discrepancies,
    content: options.format === 'csv' ? csvOf(rows) : `${JSON.stringify({ records: rows }, null, 2)}\n`,
  };
}

function checkedInjections(injections: readonly SettlementInjection[], received: ReadonlyMap<string, SettlementRow>): SettlementInjection[] {
  const seen = new Map<string, Set<DiscrepancyKind>>();
  injections.forEach((injection, index) => {
    const path = `inject[${index}]`;
    if (!discrepancyKinds.includes(injection.kind)) throw new InvalidInput(`${path}.kind`, `expected one of ${discrepancyKinds.join(', ')}`);
    if (typeof injection.cdrId !== 'string' || injection.cdrId === '') throw new InvalidInput(`${path}.cdrId`, 'expected a non-empty string');
    const known = received.has(injection.cdrId);
    if (injection.kind === 'unknown' && known) throw new InvalidInput(`${path}.cdrId`, `${injection.cdrId} was received; an unknown CDR needs an id the CPO never sent`);
    if (injection.kind !== 'unknown' && !known) throw new InvalidInput(`${path}.cdrId`, `no CDR ${injection.cdrId} was received`);
    const kinds = seen.get(injection.cdrId) ?? new Set<DiscrepancyKind>();
    if (kinds.has(injection.kind)) throw new InvalidInput(`${path}.kind`, `${injection.kind} already injected for ${injection.cdrId}`);
    if (kinds.has('missing') || (injection.kind === 'missing' && kinds.size > 0))
      throw new InvalidInput(`${path}.kind`, `a missing CDR (${injection.cdrId}) cannot carry other discrepancies`);
    kinds.add(injection.kind);
    seen.set(injection.cdrId, kinds);
  });
  return [...injections];
}

function applyInjection(row: SettlementRow, injection: SettlementInjection): { row: SettlementRow; discrepancy: Discrepancy } {
  const cdrId = row.cdr_id;
  switch (injection.kind) {
    case 'amount': {
      const delta = injection.delta ?? 1;
      const vatFactor = row.total_cost_incl_vat !== null && row.total_cost_excl_vat > 0 ? row.total_cost_incl_vat / row.total_cost_excl_vat : 1;
      const changed = {
        ...row,
        total_cost_excl_vat: rounded(row.total_cost_excl_vat + delta),
        total_cost_incl_vat: row.total_cost_incl_vat === null ? null : rounded(row.total_cost_incl_vat + delta * vatFactor),
      };
      return { row: changed, discrepancy: changedField(cdrId, 'amount', 'total_cost_excl_vat', row, changed) };
    }
    case 'energy': {
      const changed = { ...row, total_energy_kwh: rounded(row.total_energy_kwh + (injection.delta ?? 0.5)) };
      return { row: changed, discrepancy: changedField(cdrId, 'energy', 'total_energy_kwh', row, changed) };
    }
    case 'duration': {
      const end = new Date(Date.parse(row.end_date_time) + (injection.deltaSeconds ?? 600) * 1000).toISOString().replace('.000Z', 'Z');
      const changed = { ...row, end_date_time: end };
      return { row: changed, discrepancy: changedField(cdrId, 'duration', 'end_date_time', row, changed) };
    }
    case 'currency': {
      const changed = { ...row, currency: injection.currency ?? (row.currency === 'USD' ? 'EUR' : 'USD') };
      return { row: changed, discrepancy: changedField(cdrId, 'currency', 'currency', row, changed) };
    }
    case 'tariff': {
      const changed = { ...row, tariff_id: injection.tariffId ?? `${row.tariff_id || 'NONE'}-PARTNER` };
      return { row: changed, discrepancy: changedField(cdrId, 'tariff', 'tariff_id', row, changed) };
    }
    case 'missing':
    case 'duplicate':
    case 'unknown':
      return { row, discrepancy: { cdrId, kind: injection.kind, expected: expectedExceptions[injection.kind] } };
  }
}

function changedField(cdrId: string, kind: DiscrepancyKind, field: keyof SettlementRow, before: SettlementRow, after: SettlementRow): Discrepancy {
  return { cdrId, kind, field, received: cell(before[field]), reported: cell(after[field]), expected: expectedExceptions[kind] };
}

function unknownRow(cdrId: string, template: SettlementRow | undefined): SettlementRow {
  return {
    cdr_id: cdrId,
    session_id: `${cdrId}-SESSION`,
    authorization_reference: '',
    start_date_time: template?.start_date_time ?? '1970-01-01T00:00:00Z',
    end_date_time: template?.end_date_time ?? '1970-01-01T00:00:00Z',
    total_energy_kwh: template?.total_energy_kwh ?? 0,
    total_cost_excl_vat: template?.total_cost_excl_vat ?? 0,
    total_cost_incl_vat: template?.total_cost_incl_vat ?? null,
    currency: template?.currency ?? 'EUR',
    tariff_id: template?.tariff_id ?? '',
  };
}

export function csvOf(rows: readonly SettlementRow[]): string {
  const lines = [settlementColumns.join(',')];
  for (const row of rows) lines.push(settlementColumns.map((column) => csvField(cell(row[column]))).join(','));
  return `${lines.join('\n')}\n`;
}

/** Money and energy keep up to 4 decimals; whole cents print with 2. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  const fixed = Number(value.toFixed(4));
  return Number(fixed.toFixed(2)) === fixed ? fixed.toFixed(2) : String(fixed);
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function rounded(value: number): number {
  return Number(value.toFixed(4));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
