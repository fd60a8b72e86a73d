import { gateNamed } from '@roamgate/launch';
import type { EvaluationView, PlanView } from '../plans/views';

/** The shares followed across evaluations in the trend chart. */
const TREND_GATES = ['command_success_rate', 'session_integrity_rate', 'cdr_match_rate', 'tariff_replay_match_rate', 'attributed_exception_share'];
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];
const DECISION_COLORS: Readonly<Record<string, string>> = { EXPAND: '#2ca02c', PAUSE: '#d62728', KEEP_NARROW: '#ff7f0e' };

export interface EvidencePack {
  readonly html: string;
  readonly markdown: string;
}

/**
 * The evidence pack of a launch plan for operations, finance and support sign-off: the plan's declarations,
 * the latest decision with every gate against its threshold, the history of decisions and the evidence ids.
 * The HTML is one self-contained file (inline CSS and SVG, nothing fetched).
 */
export function renderEvidencePack(plan: PlanView, evaluations: readonly EvaluationView[], generatedAt: Date): EvidencePack {
  const chronological = [...evaluations].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  return { html: html(plan, chronological, generatedAt), markdown: markdown(plan, chronological, generatedAt) };
}

function markdown(plan: PlanView, history: readonly EvaluationView[], generatedAt: Date): string {
  const latest = history.at(-1);
  const lines = [
    `# Launch evidence pack: ${plan.planId}${plan.name ? ` (${plan.name})` : ''}`,
    '',
    `Partner ${plan.partnerId}, phase ${plan.phase} ${plan.phaseName}, ${plan.status}. Generated ${generatedAt.toISOString()}.`,
    '',
    '## Plan',
    '',
    mdTable(['declaration', 'value'], declarations(plan)),
    '',
    '## Latest decision',
    '',
    ...(latest === undefined
      ? ['Not evaluated yet.']
      : [
          `**${latest.decision}** (${latest.rule})${latest.applied ? ', applied' : ''}: ${latest.summary}`,
          '',
          `Evaluation ${latest.evaluationId} at ${latest.at}, window ${latest.window.start} to ${latest.window.end}.`,
          '',
          mdTable(['', 'gate', 'value', 'threshold', 'sample', 'detail'], latest.gates.map((g) => [g.passed ? 'ok' : 'FAIL', gateName(g), g.value ?? 'n/a', `${g.comparison === 'MIN' ? '>=' : '<='} ${g.threshold}`, String(g.sampleSize), g.detail])),
          '',
          '### Evidence',
          '',
          ...evidenceLines(latest).map((line) => `- ${line}`),
          '',
          '### Metrics',
          '',
          ...metricLines(latest).map((line) => `- ${line}`),
        ]),
    '',
    '## Decisions',
    '',
    mdTable(['at', 'evaluation', 'phase', 'decision', 'rule', 'applied'], [...history].reverse().map((e) => [e.at ?? '', e.evaluationId, String(e.phase), e.decision, e.rule, e.applied ? 'yes' : 'no'])),
    '',
    '## Sign-off',
    '',
    mdTable(['role', 'name', 'date', 'signature'], ['Operations', 'Finance', 'Support'].map((role) => [role, '', '', ''])),
    '',
  ];
  return lines.join('\n');
}

function html(plan: PlanView, history: readonly EvaluationView[], generatedAt: Date): string {
  const latest = history.at(-1);
  const title = `Launch evidence pack: ${plan.planId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.ok{color:#2ca02c;font-weight:600}.fail{color:#d62728;font-weight:600}
.decision{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700}
code{font-size:12px}svg{background:#fafafa;border:1px solid #eee}
</style></head><body>
<h1>${esc(title)}${plan.name ? ` <small>(${esc(plan.name)})</small>` : ''}</h1>
<p>Partner <b>${esc(plan.partnerId)}</b>, phase <b>${plan.phase} ${esc(plan.phaseName)}</b>, ${esc(plan.status)}. Generated ${esc(generatedAt.toISOString())}.</p>
<h2>Plan</h2>
${htmlTable(['declaration', 'value'], declarations(plan))}
<h2>Latest decision</h2>
${
  latest === undefined
    ? '<p>Not evaluated yet.</p>'
    : `<p><span class="decision" style="background:${DECISION_COLORS[latest.decision] ?? '#777'}">${esc(latest.decision)}</span> <code>${esc(latest.rule)}</code>${latest.applied ? ' (applied)' : ''}</p>
<p>${esc(latest.summary)}</p>
<p>Evaluation <code>${esc(latest.evaluationId)}</code> at ${esc(latest.at ?? '')}, window ${esc(latest.window.start ?? '')} to ${esc(latest.window.end ?? '')}.</p>
${gateBars(latest)}
${htmlTable(
  ['', 'gate', 'value', 'threshold', 'sample', 'detail'],
  latest.gates.map((g) => [g.passed ? '<span class="ok">ok</span>' : '<span class="fail">FAIL</span>', esc(gateName(g)), esc(g.value ?? 'n/a'), esc(`${g.comparison === 'MIN' ? '>=' : '<='} ${g.threshold}`), String(g.sampleSize), esc(g.detail)]),
  false,
)}
<h3>Evidence</h3><ul>${evidenceLines(latest).map((line) => `<li>${esc(line)}</li>`).join('')}</ul>
<h3>Metrics</h3><ul>${metricLines(latest).map((line) => `<li>${esc(line)}</li>`).join('')}</ul>`
}
<h2>Decisions over time</h2>
${decisionChart(history)}
${trendChart(history)}
${htmlTable(['at', 'evaluation', 'phase', 'decision', 'rule', 'applied'], [...history].reverse().map((e) => [e.at ?? '', e.evaluationId, String(e.phase), e.decision, e.rule, e.applied ? 'yes' : 'no']))}
<h2>Sign-off</h2>
${htmlTable(['role', 'name', 'date', 'signature'], ['Operations', 'Finance', 'Support'].map((role) => [role, '', '', '']))}
</body></html>
`;
}

function declarations(plan: PlanView): string[][] {
  return [
    ['scope', `${plan.scope.chargerIds.length} chargers (${plan.scope.chargerIds.join(', ') || '-'}), ${plan.scope.evseUids.length} EVSEs (${plan.scope.evseUids.join(', ') || '-'})`],
    ['charger groups', plan.groups.map((g) => JSON.stringify(g)).join(' + ') || '-'],
    ['expansion waves left', plan.expansionWaves.map((g) => JSON.stringify(g)).join(', ') || '-'],
    ['tariff owner', plan.tariffOwner],
    ['token flows', plan.tokenFlows.map((f) => `${f.tokenType} ${f.whitelist}${f.realTimeAuthorization ? ', real-time authorization' : ''}`).join('; ') || '-'],
    ['sources of truth', plan.sourcesOfTruth.map((s) => `${s.object}: ${s.owner}`).join('; ') || '-'],
    ['evaluation window', `${plan.evaluationWindowSeconds} s`],
    ['threshold overrides', Object.entries(plan.thresholdOverrides).map(([k, v]) => `${k}=${v}`).join(', ') || 'none (defaults)'],
  ];
}

function evidenceLines(e: EvaluationView): string[] {
  const lines = Object.entries(e.evidence).filter(([, ids]) => ids.length > 0).map(([kind, ids]) => `${kind}: ${ids.join(', ')}`);
  return lines.length > 0 ? lines : ['none: nothing failed'];
}

/** A few lines of the metrics for people; the full metrics are in the evaluation's JSON. */
function metricLines(e: EvaluationView): string[] {
  const m = e.metrics as Record<string, Record<string, unknown>> | null;
  if (m === null) return ['no metrics recorded'];
  const c = m.commands ?? {};
  const s = m.sessions ?? {};
  const d = m.cdrs ?? {};
  const x = m.exceptions ?? {};
  const byModel = (c.byModel as { group: string; decided: number; successRate: string | null }[] | undefined) ?? [];
  return [
    `commands: ${c.decided ?? 0} decided, ${c.succeeded ?? 0} accepted, ${c.failed ?? 0} failed, ${c.timedOut ?? 0} timed out`,
    ...byModel.map((g) => `  ${g.group}: ${g.decided} decided, success ${g.successRate ?? 'n/a'}`),
    `sessions: ${s.counted ?? 0} counted, ${s.intact ?? 0} intact, ${s.orphans ?? 0} orphans, ${s.inProgress ?? 0} in progress`,
    `CDRs: ${d.issued ?? 0} issued, ${d.reconciled ?? 0} reconciled, ${d.matchedClean ?? 0} matched cleanly, ${d.replayed ?? 0} replayed`,
    `exceptions: ${x.total ?? 0} (${x.open ?? 0} open), by owner ${JSON.stringify(x.byOwner ?? {})}, at risk ${JSON.stringify(x.amountAtRisk ?? {})}`,
  ];
}

/** Horizontal bars of the latest shares against their thresholds. */
function gateBars(e: EvaluationView): string {
  const shares = e.gates.filter((g) => g.value !== null && gateNamed(g.gate)?.unit === 'share');
  if (shares.length === 0) return '';
  const row = 22;
  const width = 760;
  const left = 330;
  const scale = (v: number): number => left + v * (width - left - 20);
  const bars = shares
    .map((g, i) => {
      const y = 10 + i * row;
      const value = Number(g.value);
      const threshold = Number(g.threshold);
      return `<text x="5" y="${y + 14}" font-size="12">${esc(gateName(g))}</text>
<rect x="${left}" y="${y + 3}" width="${(scale(value) - left).toFixed(1)}" height="14" fill="${g.passed ? '#2ca02c' : '#d62728'}"/>
<line x1="${scale(threshold).toFixed(1)}" x2="${scale(threshold).toFixed(1)}" y1="${y}" y2="${y + row - 2}" stroke="#000" stroke-width="2"/>
<text x="${(scale(value) + 4).toFixed(1)}" y="${y + 14}" font-size="11">${esc(g.value ?? '')}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${20 + shares.length * row}" role="img" aria-label="gate values against thresholds">${bars}</svg>`;
}

/** The phase after each evaluation as a step line, each evaluation a dot in its decision's colour. */
function decisionChart(history: readonly EvaluationView[]): string {
  if (history.length === 0) return '';
  const width = 760;
  const height = 180;
  const x = (i: number): number => 50 + (history.length === 1 ? 0 : (i * (width - 80)) / (history.length - 1));
  const y = (phase: number): number => height - 30 - ((phase - 1) * (height - 60)) / 3;
  const steps = history.map((e, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(e.phase).toFixed(1)}`).join(' ');
  const dots = history.map((e, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(e.phase).toFixed(1)}" r="6" fill="${DECISION_COLORS[e.decision] ?? '#777'}"><title>${esc(`${e.at} ${e.decision} ${e.rule}`)}</title></circle>`).join('');
  const axis = [1, 2, 3, 4].map((p) => `<text x="5" y="${(y(p) + 4).toFixed(1)}" font-size="11">phase ${p}</text>`).join('');
  const legend = Object.entries(DECISION_COLORS).map(([d, color], i) => `<circle cx="${60 + i * 130}" cy="12" r="5" fill="${color}"/><text x="${70 + i * 130}" y="16" font-size="11">${d}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="decisions over time">${legend}${axis}<path d="${steps}" fill="none" stroke="#999" stroke-width="1.5"/>${dots}</svg>`;
}

/** The main shares across evaluations, 0 to 1. */
function trendChart(history: readonly EvaluationView[]): string {
  if (history.length < 2) return '';
  const width = 760;
  const height = 220;
  const x = (i: number): number => 50 + (i * (width - 80)) / (history.length - 1);
  const y = (v: number): number => height - 30 - v * (height - 60);
  const lines = TREND_GATES.map((gate, k) => {
    const points = history.flatMap((e, i) => {
      const g = e.gates.find((r) => r.gate === gate && r.group === null);
      return g?.value == null ? [] : [`${x(i).toFixed(1)},${y(Number(g.value)).toFixed(1)}`];
    });
    if (points.length === 0) return '';
    return `<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS[k]}" stroke-width="2"/><text x="${60 + k * 140}" y="14" font-size="11" fill="${COLORS[k]}">${gate}</text>`;
  }).join('');
  const grid = [0, 0.5, 1].map((v) => `<line x1="45" x2="${width - 25}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="10" y="${y(v) + 4}" font-size="11">${v.toFixed(1)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="gate shares over time">${grid}${lines}</svg>`;
}

const gateName = (g: { gate: string; group: string | null }): string => (g.group ? `${g.gate} [${g.group}]` : g.gate);

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], escapeCells = true): string {
  const cell = (text: string): string => (escapeCells ? esc(text) : text);
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
