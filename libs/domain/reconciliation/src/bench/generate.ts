import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ColumnMapping, OurCdr, Tolerances } from '../model.js';
import { OUR_CDR_CSV_HEADER, ourCdrCsvLine } from '../parse/our-cdrs-csv.js';

/** How the bench writes our CDRs: compact CSV (OUR_CDR_CSV_COLUMNS, the bulk format) or JSON Lines of OurCdr. */
export type OursFormat = 'csv' | 'jsonl';

export const PARTNER = 'emsp-bench';
export const TOLERANCES: Tolerances = { amountMinor: 1, energyWh: 10, timeS: 60 };
export const MAPPING: ColumnMapping = {
  fields: {
    cdrId: 'cdr_id',
    sessionId: 'session_id',
    evseUid: 'evse_uid',
    tokenUid: 'token_uid',
    start: 'start',
    end: 'end',
    kwh: 'kwh',
    amountExclVat: 'excl_vat',
    amountInclVat: 'incl_vat',
    currency: 'currency',
  },
};

/** mulberry32: the same files on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const fixed = (units: number, digits: number) => {
  const scale = 10 ** digits;
  return `${Math.floor(units / scale)}.${String(units % scale).padStart(digits, '0')}`;
};

export interface Injected {
  amount: number;
  energy: number;
  missing: number;
  unknown: number;
  duplicate: number;
  noIds: number;
}

/** N pairs: our CDRs (CSV or JSON Lines), the partner's CSV, both ordered by start, with ~3 % injected discrepancies. */
export function generate(dir: string, pairs: number, oursFormat: OursFormat = 'csv'): { ours: string; partner: string; injected: Injected; bytes: number } {
  const random = seeded(7);
  const ours = path.join(dir, `ours-${pairs}.${oursFormat}`);
  const partner = path.join(dir, `partner-${pairs}.csv`);
  const o = openSync(ours, 'w');
  const p = openSync(partner, 'w');
  writeSync(p, 'cdr_id,session_id,evse_uid,token_uid,start,end,kwh,excl_vat,incl_vat,currency,remark\n');
  if (oursFormat === 'csv') writeSync(o, OUR_CDR_CSV_HEADER);
  const injected: Injected = { amount: 0, energy: 0, missing: 0, unknown: 0, duplicate: 0, noIds: 0 };
  const t0 = Date.UTC(2026, 9, 1);
  let ourLines: string[] = [];
  let partnerLines: string[] = [];
  const flush = () => {
    writeSync(o, ourLines.join(''));
    writeSync(p, partnerLines.join(''));
    ourLines = [];
    partnerLines = [];
  };
  for (let i = 0; i < pairs; i++) {
    const startMs = t0 + i * 2500;
    const endMs = startMs + (600 + Math.floor(random() * 7200)) * 1000;
    const wh = 2000 + Math.floor(random() * 60000);
    const cents = Math.round((wh * 35) / 1000) + 50;
    const inclCents = Math.round(cents * 1.21);
    const cdrId = `CDR${i}`;
    const sessionId = `S${i}`;
    const evse = `NL*RGT*E${i % 5000}*1`;
    const token = `TOK${Math.floor(random() * 200000)}`;
    const start = iso(startMs);
    const end = iso(endMs);
    const cdr: OurCdr = {
      cdrId,
      sessionId,
      partnerId: PARTNER,
      evseUid: evse,
      tokenUid: token,
      start,
      end,
      kwh: fixed(wh, 3),
      amountExclVat: fixed(cents, 2),
      amountInclVat: fixed(inclCents, 2),
      currency: 'EUR',
      delivery: 'ACKNOWLEDGED',
      replay: { matches: true, diffs: [] },
    };
    ourLines.push(oursFormat === 'csv' ? ourCdrCsvLine(cdr) : `${JSON.stringify(cdr)}\n`);
    const roll = random();
    let pCents = cents;
    let pIncl = inclCents;
    let pWh = wh;
    let ids = `${cdrId},${sessionId}`;
    let copies = 1;
    if (roll < 0.01) {
      pCents += 25;
      pIncl = Math.round(pCents * 1.21);
      injected.amount++;
    } else if (roll < 0.015) {
      pWh += 500;
      injected.energy++;
    } else if (roll < 0.02) {
      copies = 0;
      injected.missing++;
    } else if (roll < 0.022) {
      copies = 2;
      injected.duplicate++;
    } else if (roll < 0.032) {
      ids = ',';
      injected.noIds++;
    }
    for (let c = 0; c < copies; c++) {
      partnerLines.push(`${ids},${evse},${token},${start},${end},${fixed(pWh, 3)},${fixed(pCents, 2)},${fixed(pIncl, 2)},EUR,"ok, settled"\n`);
    }
    if (random() < 0.005) {
      partnerLines.push(`X${cdrId},X${sessionId},DE*FOREIGN*E1,TOKX,${start},${end},1.000,0.35,0.42,EUR,unknown\n`);
      injected.unknown++;
    }
    if (ourLines.length >= 10_000) flush();
  }
  flush();
  closeSync(o);
  closeSync(p);
  return { ours, partner, injected, bytes: statSync(ours).size + statSync(partner).size };
}

