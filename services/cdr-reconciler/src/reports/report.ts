import Decimal from 'decimal.js';
import { EXCEPTION_TYPES, OWNERS, STATUSES, type ExceptionTypeName, type OwnerName, type StatusName } from '../recon-events';
import type { ExceptionDocument, RunDocument } from '../exceptions/recon-documents';

export interface ReportInput {
  readonly partnerId: string;
  readonly from: Date;
  readonly to: Date;
  readonly generatedAt: Date;
  /** Our issued CDRs for the partner that started in the period, and whether each was matched (and cleanly). */
  readonly cdrs: readonly { readonly id: string; readonly matched: boolean; readonly clean: boolean }[];
  readonly exceptions: readonly ExceptionDocument[];
  readonly runs: readonly RunDocument[];
}

export interface AmountAtRisk {
  readonly currency: string;
  /** Exceptions still OPEN or INVESTIGATING. */
  readonly open: string;
  readonly total: string;
}

export interface ReconReport {
  readonly partnerId: string;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly ourCdrs: number;
  readonly matched: number;
  readonly matchedClean: number;
  /** matched / our CDRs of the period; null when there were none. */
  readonly matchRate: number | null;
  readonly cleanRate: number | null;
  readonly unknownToUs: number;
  readonly exceptions: number;
  readonly byType: Readonly<Record<ExceptionTypeName, number>>;
  readonly byOwner: Readonly<Record<OwnerName, number>>;
  readonly byStatus: Readonly<Record<StatusName, number>>;
  readonly byTypeAndOwner: readonly { readonly type: ExceptionTypeName; readonly owner: OwnerName; readonly count: number }[];
  readonly amountsAtRisk: readonly AmountAtRisk[];
  readonly runs: readonly { readonly id: string; readonly fileName: string; readonly importedAt: string | null; readonly records: number; readonly matched: number; readonly exceptions: number }[];
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const rate = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

/** Match rate, amounts at risk and exceptions by type and owner for one partner and period; pure. */
export function buildReport(input: ReportInput): ReconReport {
  const byType = zeros(EXCEPTION_TYPES);
  const byOwner = zeros(OWNERS);
  const byStatus = zeros(STATUSES);
  const pairs = new Map<string, number>();
  const risk = new Map<string, { open: Decimal; total: Decimal }>();
  for (const e of input.exceptions) {
    if (e.type !== 'UNSPECIFIED') byType[e.type] += 1;
    if (e.owner !== 'UNSPECIFIED') byOwner[e.owner] += 1;
    if (e.status !== 'UNSPECIFIED') byStatus[e.status] += 1;
    pairs.set(`${e.type}\u0000${e.owner}`, (pairs.get(`${e.type}\u0000${e.owner}`) ?? 0) + 1);
    if (e.amountAtRisk && e.currency) {
      const sum = risk.get(e.currency) ?? { open: new Decimal(0), total: new Decimal(0) };
      const amount = new Decimal(e.amountAtRisk).abs();
      const open = e.status === 'OPEN' || e.status === 'INVESTIGATING';
      risk.set(e.currency, { open: open ? sum.open.plus(amount) : sum.open, total: sum.total.plus(amount) });
    }
  }
  const matched = input.cdrs.filter((c) => c.matched).length;
  const clean = input.cdrs.filter((c) => c.clean).length;
  return {
    partnerId: input.partnerId,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    generatedAt: input.generatedAt.toISOString(),
    ourCdrs: input.cdrs.length,
    matched,
    matchedClean: clean,
    matchRate: rate(matched, input.cdrs.length),
    cleanRate: rate(clean, input.cdrs.length),
    unknownToUs: byType.UNKNOWN_TO_US,
    exceptions: input.exceptions.length,
    byType,
    byOwner,
    byStatus,
    byTypeAndOwner: [...pairs.entries()]
      .map(([key, count]) => {
        const [type, owner] = key.split('\u0000') as [ExceptionTypeName, OwnerName];
        return { type, owner, count };
      })
      .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type) || a.owner.localeCompare(b.owner)),
    amountsAtRisk: [...risk.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, sum]) => ({ currency, open: sum.open.toFixed(2), total: sum.total.toFixed(2) })),
    runs: input.runs.map((r) => ({ id: r.id, fileName: r.fileName, importedAt: r.importedAt, records: r.records, matched: r.matched, exceptions: r.exceptions })),
  };
}

const csvCell = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One metric per row: metric,type,owner,currency,value; a spreadsheet pivots it as it likes. */
export function reportCsv(r: ReconReport): string {
  const rows: (string | number | null)[][] = [['metric', 'type', 'owner', 'currency', 'value']];
  rows.push(['partner', '', '', '', r.partnerId], ['from', '', '', '', r.from], ['to', '', '', '', r.to]);
  rows.push(['our_cdrs', '', '', '', r.ourCdrs], ['matched', '', '', '', r.matched], ['matched_clean', '', '', '', r.matchedClean]);
  rows.push(['match_rate', '', '', '', r.matchRate], ['clean_rate', '', '', '', r.cleanRate], ['exceptions', '', '', '', r.exceptions]);
  for (const type of EXCEPTION_TYPES) rows.push(['exceptions_by_type', type, '', '', r.byType[type]]);
  for (const owner of OWNERS) rows.push(['exceptions_by_owner', '', owner, '', r.byOwner[owner]]);
  for (const status of STATUSES) rows.push(['exceptions_by_status', status, '', '', r.byStatus[status]]);
  for (const pair of r.byTypeAndOwner) rows.push(['exceptions_by_type_and_owner', pair.type, pair.owner, '', pair.count]);
  for (const amount of r.amountsAtRisk) rows.push(['amount_at_risk_open', '', '', amount.currency, amount.open], ['amount_at_risk_total', '', '', amount.currency, amount.total]);
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const OWNER_COLOURS: Record<OwnerName, string> = { CHARGER: '#d97706', BACKEND: '#2563eb', PARTNER: '#7c3aed', UNKNOWN: '#dc2626' };

/** A horizontal bar chart as inline SVG: no script, no external resource. */
function barChart(title: string, bars: readonly { label: string; value: number; colour: string }[]): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 22;
  const labelW = 170;
  const barW = 360;
  const height = bars.length * rowH + 10;
  const rows = bars
    .map((b, i) => {
      const y = i * rowH + 5;
      const w = Math.round((b.value / max) * barW);
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end" font-size="12">${escapeHtml(b.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="${b.colour}"/><text x="${labelW + w + 6}" y="${y + 15}" font-size="12">${b.value}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${labelW + barW + 60}" height="${height}" font-family="sans-serif">${rows}</svg></figure>`;
}

function rateBar(label: string, value: number | null): string {
  const width = 400;
  const filled = value === null ? 0 : Math.round(value * width);
  const text = value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`;
  return `<figure><figcaption>${escapeHtml(label)}: ${text}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(label)} ${text}" width="${width}" height="18"><rect width="${width}" height="18" fill="#e5e7eb"/><rect width="${filled}" height="18" fill="#16a34a"/></svg></figure>`;
}

/** A self-contained document: inline CSS and SVG, nothing fetched. */
export function reportHtml(r: ReconReport): string {
  const amountRows = r.amountsAtRisk.map((a) => `<tr><td>${escapeHtml(a.currency)}</td><td class="n">${a.open}</td><td class="n">${a.total}</td></tr>`).join('') || '<tr><td colspan="3">none</td></tr>';
  const pairRows = r.byTypeAndOwner.map((p) => `<tr><td>${p.type}</td><td>${p.owner}</td><td class="n">${p.count}</td></tr>`).join('') || '<tr><td colspan="3">no exceptions</td></tr>';
  const runRows = r.runs.map((run) => `<tr><td>${escapeHtml(run.fileName)}</td><td>${run.importedAt ?? ''}</td><td class="n">${run.records}</td><td class="n">${run.matched}</td><td class="n">${run.exceptions}</td></tr>`).join('') || '<tr><td colspan="5">no imports</td></tr>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reconciliation ${escapeHtml(r.partnerId)} ${r.from.slice(0, 10)} - ${r.to.slice(0, 10)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.n{text-align:right}figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:4px}</style>
</head><body>
<h1>Reconciliation with ${escapeHtml(r.partnerId)}</h1>
<p>Period ${r.from} to ${r.to} (sessions started in it); generated ${r.generatedAt}.</p>
<table><tr><th>our CDRs</th><td class="n">${r.ourCdrs}</td></tr><tr><th>matched</th><td class="n">${r.matched}</td></tr><tr><th>matched without disagreement</th><td class="n">${r.matchedClean}</td></tr><tr><th>partner records unknown to us</th><td class="n">${r.unknownToUs}</td></tr><tr><th>exceptions</th><td class="n">${r.exceptions}</td></tr><tr><th>owner UNKNOWN</th><td class="n">${r.byOwner.UNKNOWN}</td></tr></table>
${rateBar('Match rate', r.matchRate)}
${rateBar('Clean match rate', r.cleanRate)}
<h2>Amounts at risk</h2>
<table><tr><th>currency</th><th>open</th><th>total</th></tr>${amountRows}</table>
<h2>Exceptions</h2>
${barChart('By owner', OWNERS.map((o) => ({ label: o, value: r.byOwner[o], colour: OWNER_COLOURS[o] })))}
${barChart('By type', EXCEPTION_TYPES.map((t) => ({ label: t, value: r.byType[t], colour: '#475569' })))}
<table><tr><th>type</th><th>owner</th><th>count</th></tr>${pairRows}</table>
<h2>Imports</h2>
<table><tr><th>file</th><th>imported</th><th>records</th><th>matched</th><th>exceptions</th></tr>${runRows}</table>
</body></html>
`;
}
