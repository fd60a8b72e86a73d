import type { OurCdr, PartnerRecord } from '../model.js';

const T0 = Date.UTC(2026, 9, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Our CDR number `i` of partner P: starts 30 s after the previous one, 30 min long, 10 kWh, 6.05 EUR incl. VAT, acknowledged. */
export function anOurCdr(i: number, override: Partial<OurCdr> = {}): OurCdr {
  return {
    cdrId: `C${i}`,
    sessionId: `S${i}`,
    partnerId: 'P',
    evseUid: `E${i % 7}`,
    tokenUid: `T${i}`,
    start: iso(T0 + i * 30_000),
    end: iso(T0 + i * 30_000 + 1_800_000),
    kwh: '10.000',
    amountExclVat: '5.00',
    amountInclVat: '6.05',
    currency: 'EUR',
    delivery: 'ACKNOWLEDGED',
    ...override,
  };
}

/** The partner's record of our CDR, on `line` of its file, agreeing in every value unless overridden. */
export function aPartnerRecordOf(cdr: OurCdr, line: number, override: Partial<PartnerRecord> = {}): PartnerRecord {
  return {
    kind: 'record',
    line,
    ref: `line:${line}`,
    cdrId: cdr.cdrId,
    sessionId: cdr.sessionId,
    authorizationReference: cdr.authorizationReference,
    evseUid: cdr.evseUid,
    tokenUid: cdr.tokenUid,
    start: cdr.start,
    end: cdr.end,
    kwh: cdr.kwh,
    amountExclVat: cdr.amountExclVat,
    amountInclVat: cdr.amountInclVat,
    currency: cdr.currency,
    tariffId: cdr.tariff?.id,
    tariffVersion: cdr.tariff?.version,
    ...override,
  };
}
