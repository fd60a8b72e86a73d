/**
 * Exact decimal text such as "12.3400" (optional sign, digits, optional fraction; no exponent).
 * Money and energy travel as decimal text, never as floats; the matcher compares them as exact
 * integers of millionths (decimal.ts), the way the tariffs library prices in exact integers.
 */
export type DecimalText = string;

export const OWNERS = ['CHARGER', 'BACKEND', 'PARTNER', 'UNKNOWN'] as const;
export type Owner = (typeof OWNERS)[number];

export const EXCEPTION_TYPES = [
  'MISSING_AT_PARTNER',
  'UNKNOWN_TO_US',
  'AMOUNT_MISMATCH',
  'ENERGY_MISMATCH',
  'DURATION_MISMATCH',
  'CURRENCY_MISMATCH',
  'TARIFF_MISMATCH',
  'DUPLICATE',
  'CDR_NOT_DELIVERED',
  'REPLAY_MISMATCH',
  'CHARGER_ANOMALY',
] as const;
export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

export type Delivery = 'ACKNOWLEDGED' | 'FAILED' | 'PENDING';

/**
 * Where the last delivery attempt of the CDR POST failed. OUTBOX: it never left our outbox (not
 * sent, serialisation, relay stopped); NO_ENDPOINT: we hold no cdrs endpoint for the partner;
 * TRANSPORT: no HTTP answer (timeout, refused, TLS); HTTP: the partner answered 4xx/5xx;
 * OCPI: HTTP 2xx with an OCPI status_code outside 1xxx.
 */
export type DeliveryFailure = 'OUTBOX' | 'NO_ENDPOINT' | 'TRANSPORT' | 'HTTP' | 'OCPI';

export interface DeliveryFacts {
  readonly attempts?: number;
  readonly failure?: DeliveryFailure;
  readonly httpStatus?: number;
  readonly ocpiStatus?: number;
  readonly message?: string;
}

/**
 * What became of the OCPI pushes of the CDR's session (PUT/PATCH sessions) to the partner: how many the
 * partner acknowledged, how many attempts failed, and how the last failed attempt failed.
 */
export interface SessionPushFacts {
  readonly acknowledged: number;
  readonly failedAttempts: number;
  readonly lastFailure?: DeliveryFailure;
  readonly lastHttpStatus?: number;
}

export interface ReplayDiff {
  readonly field: string;
  readonly cdr: string;
  readonly replay: string;
}

export interface ReplayFacts {
  readonly matches: boolean;
  readonly diffs: readonly ReplayDiff[];
}

export interface ChargerFacts {
  readonly chargePointId?: string;
  readonly meterStartWh: number;
  readonly meterStopWh?: number;
  readonly stopMissing?: boolean;
  /** Charger clock minus our receive clock, seconds. */
  readonly clockSkewS?: number;
  readonly maxPowerKw?: number;
  readonly vendor?: string;
  readonly model?: string;
  readonly firmware?: string;
}

/** One CDR we issued, with the facts the ownership rules read. */
export interface OurCdr {
  readonly cdrId: string;
  readonly sessionId: string;
  readonly authorizationReference?: string;
  readonly partnerId: string;
  readonly evseUid: string;
  readonly tokenUid: string;
  /** RFC 3339 instants. */
  readonly start: string;
  readonly end: string;
  readonly kwh: DecimalText;
  readonly amountExclVat: DecimalText;
  readonly amountInclVat: DecimalText;
  readonly currency: string;
  readonly tariff?: { readonly id: string; readonly version?: string };
  readonly delivery: Delivery;
  readonly deliveryFacts?: DeliveryFacts;
  /** The session pushes of this CDR's session to the partner (OCPI delivery facts of the sessions module). */
  readonly sessionPushes?: SessionPushFacts;
  readonly replay?: ReplayFacts;
  readonly charger?: ChargerFacts;
}

/**
 * One line (CSV, JSON Lines) or array element (JSON) of a partner's settlement file. The parser
 * sets every key (undefined when the file has no value) so all records share one shape.
 */
export interface PartnerRecord {
  readonly kind: 'record';
  /** 1-based line of the file where the record starts. */
  readonly line: number;
  /** The partner's own reference when the mapping names one, else `line:<n>`. */
  readonly ref: string;
  readonly cdrId?: string;
  readonly sessionId?: string;
  readonly authorizationReference?: string;
  readonly evseUid?: string;
  readonly tokenUid?: string;
  /** RFC 3339 instants in UTC (normalised by the parser). */
  readonly start: string;
  readonly end: string;
  readonly kwh: DecimalText;
  readonly amountExclVat: DecimalText;
  readonly amountInclVat?: DecimalText;
  readonly currency: string;
  readonly tariffId?: string;
  readonly tariffVersion?: string;
  /** Epoch ms of start and end, set by the parser that read them so the matcher does not read the text again. */
  readonly startMs?: number;
  readonly endMs?: number;
}

export interface ParseError {
  readonly kind: 'parse-error';
  readonly line: number;
  readonly field?: string;
  readonly message: string;
  /** The offending text, cut to 200 characters. */
  readonly raw?: string;
}

export type PartnerField =
  | 'ref'
  | 'cdrId'
  | 'sessionId'
  | 'authorizationReference'
  | 'evseUid'
  | 'tokenUid'
  | 'start'
  | 'end'
  | 'kwh'
  | 'amountExclVat'
  | 'amountInclVat'
  | 'currency'
  | 'tariffId'
  | 'tariffVersion';

export type PartnerFileFormat = 'csv' | 'json' | 'jsonl';

/**
 * How to read one partner's file. `fields` names, per PartnerRecord field, the CSV header or the
 * dotted JSON path (`total_cost.excl_vat`). Fields left out are absent (start, end, kwh,
 * amountExclVat are required; currency is required unless `currency` gives it for the whole file).
 */
export interface ColumnMapping {
  readonly fields: Partial<Record<PartnerField, string>>;
  /** CSV only; default ','. */
  readonly delimiter?: string;
  /**
   * JSON only: dotted member names of the array of records inside a wrapper object (`records`,
   * `data.cdrs`). Default: the top-level array, or the first member of a top-level object whose
   * value is an array (`{ "records": [...] }`).
   */
  readonly recordsPath?: string;
  /** Default '.'. */
  readonly decimalSeparator?: '.' | ',';
  /** Grouping character to drop from numbers, e.g. ' ' or '.'; default none. */
  readonly thousandsSeparator?: string;
  /** Default 'kWh'. */
  readonly energyUnit?: 'kWh' | 'Wh';
  /** Default 'major'; 'minor' reads amounts as integer minor units of the currency (cents). */
  readonly amountUnit?: 'major' | 'minor';
  /**
   * 'iso8601' (default): RFC 3339; without an offset the time is local to `timeZone` (default UTC).
   * 'local': 'YYYY-MM-DD HH:mm[:ss]' in `timeZone`. 'epoch-s' / 'epoch-ms': Unix time.
   */
  readonly timestampFormat?: 'iso8601' | 'local' | 'epoch-s' | 'epoch-ms';
  /** IANA zone for timestamps without an offset; default UTC. */
  readonly timeZone?: string;
  /** Currency of every record when the file has no currency column. */
  readonly currency?: string;
}

/** Per partner: amount in minor units of the currency, energy in Wh, time in seconds (inclusive). */
export interface Tolerances {
  readonly amountMinor: number;
  readonly energyWh: number;
  readonly timeS: number;
}

/** A partner's reconciliation profile: what mapping.json in a fixture folder holds. */
export interface PartnerProfile {
  readonly partnerId: string;
  readonly format: PartnerFileFormat;
  readonly mapping: ColumnMapping;
  readonly tolerances: Tolerances;
  /** ReconOptions.windowS for this partner. */
  readonly windowS?: number;
}

export type MatchedBy = 'cdrId' | 'sessionId' | 'authorizationReference' | 'evseTokenStart';

export interface Match {
  readonly kind: 'match';
  readonly partnerId: string;
  readonly ourCdrId: string;
  readonly sessionId: string;
  readonly partnerRef: string;
  readonly partnerLine: number;
  readonly matchedBy: MatchedBy;
  /** True when the pair raised no exception. */
  readonly clean: boolean;
}

export type FactValue = string | number | boolean | null | readonly string[];
export type Facts = Readonly<Record<string, FactValue>>;

export interface ReconException {
  readonly kind: 'exception';
  /** Deterministic: the same inputs give the same key, so re-imports are idempotent. */
  readonly key: string;
  readonly partnerId: string;
  readonly type: ExceptionType;
  readonly owner: Owner;
  /** Id of the ownership rule that decided the owner (rules.ts). */
  readonly rule: string;
  /** The values the rule read: the evidence stored with the exception. */
  readonly facts: Facts;
  readonly ourCdrId?: string;
  readonly partnerRef?: string;
  readonly partnerLine?: number;
  readonly sessionId?: string;
  readonly amountAtRisk?: { readonly amount: DecimalText; readonly currency: string };
}

export type ReconOutcome = Match | ReconException | ParseError;

/** Read-only views of what else we know, for records that match nothing (all optional, all pure). */
export interface ReconLookup {
  /** A session we saw (from the charger or OCPI), with its partner and the CDR we issued, if any. */
  readonly session?: (sessionId: string) => { readonly partnerId?: string; readonly cdrId?: string } | undefined;
  /** An authorization we granted (OCPI real-time authorization or whitelist). */
  readonly authorization?: (authorizationReference: string) => { readonly evseUid?: string; readonly tokenUid?: string } | undefined;
  /** Whether the EVSE uid is one of ours; undefined when unknown. */
  readonly evseIsOurs?: (evseUid: string) => boolean | undefined;
  /** Whether we issued a CDR with this id (any partner, any period); undefined when unknown. */
  readonly cdrIssued?: (cdrId: string) => boolean | undefined;
}

export interface ReconOptions {
  readonly partnerId: string;
  readonly tolerances: Tolerances;
  /**
   * How far apart in start time (seconds) two records may be read and still be compared; both
   * inputs must be ordered by start within this window. Default 3 h: it covers a European partner
   * that writes local time as UTC; raise it for partners further away. Memory holds one window.
   */
  readonly windowS?: number;
  readonly lookup?: ReconLookup;
}

export interface ReconSummary {
  readonly partnerId: string;
  readonly ours: number;
  readonly theirs: number;
  readonly matched: number;
  readonly clean: number;
  /** matched / max(ours, theirs); 1 when both are empty. */
  readonly matchRate: number;
  readonly parseErrors: number;
  /** Records that arrived older than the window already closed: they were compared late. */
  readonly outOfOrder: number;
  readonly skippedOtherPartner: number;
  readonly exceptionsByType: Readonly<Record<ExceptionType, number>>;
  readonly exceptionsByOwner: Readonly<Record<Owner, number>>;
  /** Per currency, the sum of amountAtRisk. */
  readonly amountsAtRisk: Readonly<Record<string, DecimalText>>;
}

export interface ReconResult {
  readonly matches: Match[];
  readonly exceptions: ReconException[];
  readonly parseErrors: ParseError[];
  readonly summary: ReconSummary;
}
