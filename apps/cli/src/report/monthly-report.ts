import type { AuditMonthFigures, AuditRun } from '@kyodo/persistence';

/** Everything a monthly report of the shared use says; each figure read from the audit trail. */
export interface MonthlyReport {
  readonly month: string;
  /** The month in Japan: [from, to) as instants. */
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly figures: AuditMonthFigures;
  /** Verification of every chain when the report was made. */
  readonly chain: { readonly ok: boolean; readonly rows: number; readonly problem: string | null };
  /** The regular audits run in the month. */
  readonly runs: readonly AuditRun[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [from, to) of a `YYYY-MM` month in Japan (+09:00), as UTC instants; undefined if not a month. */
export function monthWindow(month: string): { from: string; to: string } | undefined {
  const m = MONTH.exec(month);
  if (!m) return undefined;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  const start = Date.UTC(year, index, 1) - 9 * 3600_000;
  const end = Date.UTC(year, index + 1, 1) - 9 * 3600_000;
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

/** One CSV of every figure: `section,a,b,c,value`, a header row, CRLF-free, values quoted when needed. */
export function monthlyReportCsv(report: MonthlyReport): string {
  const rows: (string | number)[][] = [['section', 'a', 'b', 'c', 'value']];
  const f = report.figures;
  for (const o of f.outcomes) rows.push(['audit-records', o.outcome, '', '', o.count]);
  for (const d of f.deliveries) rows.push(['deliveries', d.purpose, d.role, d.type, d.count]);
  for (const w of f.withheld) rows.push(['fields-withheld', w.type, w.role, w.path, w.count]);
  for (const r of f.rejections) rows.push(['rejections', r.reason, '', '', r.count]);
  for (const c of f.consents) rows.push(['consent-deliveries', c.recipientId, c.type, '', c.count]);
  for (const n of f.notices) {
    rows.push(['subject-notices-sent', n.purpose, n.recipientId, '', n.sent]);
    rows.push(['subject-notices-acknowledged', n.purpose, n.recipientId, '', n.acknowledged]);
  }
  rows.push(['acknowledgements-received', '', '', '', f.acknowledgements]);
  rows.push(['chain-verification', report.chain.ok ? 'intact' : 'broken', '', '', report.chain.rows]);
  for (const run of report.runs) {
    rows.push([
      'regular-audit',
      run.startedAt,
      run.chainOk === null ? 'not-run' : run.chainOk ? 'chain-intact' : 'chain-broken',
      run.reconcileOk === null ? 'not-run' : run.reconcileOk ? 'agree' : 'differences',
      (run.missingFromOutbox ?? 0) + (run.missingFromAudit ?? 0),
    ]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const esc = (text: string | number): string =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Horizontal bars, one per label, drawn as inline SVG (no script, no external resource). */
export function barChartSvg(title: string, bars: readonly { label: string; value: number }[]): string {
  const width = 640;
  const labelWidth = 220;
  const barHeight = 22;
  const gap = 6;
  const height = 30 + bars.length * (barHeight + gap);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const scale = (width - labelWidth - 60) / max;
  const items = bars.map((b, i) => {
    const y = 30 + i * (barHeight + gap);
    const w = Math.max(1, Math.round(b.value * scale));
    return (
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${esc(b.label)}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="#4a78b5"><title>${esc(b.label)}: ${b.value}</title></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + 15}" font-size="12">${b.value}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<text x="0" y="16" font-size="14" font-weight="bold">${esc(title)}</text>${items.join('')}</svg>`
  );
}

function table(headers: readonly string[], rows: readonly (string | number)[][]): string {
  if (rows.length === 0) return '<p>None.</p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A self-contained HTML page: tables of every figure and an SVG chart of deliveries per purpose. */
export function monthlyReportHtml(report: MonthlyReport): string {
  const f = report.figures;
  const perPurpose = new Map<string, number>();
  for (const d of f.deliveries) perPurpose.set(d.purpose, (perPurpose.get(d.purpose) ?? 0) + d.count);
  const chart = barChartSvg(
    'Deliveries per purpose',
    [...perPurpose].map(([label, value]) => ({ label, value })),
  );
  const sent = f.notices.reduce((n, r) => n + r.sent, 0);
  const acknowledged = f.notices.reduce((n, r) => n + r.acknowledged, 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kyodo shared use, ${esc(report.month)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}td:last-child{text-align:right}.ok{color:#1a7f37}.bad{color:#b42318}</style>
</head><body>
<h1>Shared use of personal information: ${esc(report.month)}</h1>
<p>From ${esc(report.from)} to ${esc(report.to)} (the month in Japan). Generated ${esc(report.generatedAt)} from the audit trail.</p>
<h2>Chain verification</h2>
<p class="${report.chain.ok ? 'ok' : 'bad'}">${report.chain.ok ? 'Every hash chain is intact' : `A hash chain is BROKEN: ${esc(report.chain.problem ?? '')}`} (${report.chain.rows} rows checked).</p>
${table(
  ['started', 'trigger', 'chain', 'rows', 'reconciliation', 'differences', 'error'],
  report.runs.map((r) => [
    r.startedAt,
    r.trigger,
    r.chainOk === null ? 'not run' : r.chainOk ? 'intact' : 'broken',
    r.chainRows ?? '',
    r.reconcileOk === null ? 'not run' : r.reconcileOk ? 'agree' : 'differences',
    (r.missingFromOutbox ?? 0) + (r.missingFromAudit ?? 0),
    r.error ?? '',
  ]),
)}
<h2>Deliveries per purpose, role and event type</h2>
${chart}
${table(
  ['purpose', 'role', 'event type', 'deliveries'],
  f.deliveries.map((d) => [d.purpose, d.role, d.type, d.count]),
)}
<h2>Audit records by outcome</h2>
${table(
  ['outcome', 'records'],
  f.outcomes.map((o) => [o.outcome, o.count]),
)}
<h2>Fields withheld</h2>
${table(
  ['event type', 'role', 'field', 'deliveries withholding it'],
  f.withheld.map((w) => [w.type, w.role, w.path, w.count]),
)}
<h2>Rejections by reason</h2>
${table(
  ['reason', 'records'],
  f.rejections.map((r) => [r.reason, r.count]),
)}
<h2>Deliveries under a customer's consent</h2>
${table(
  ['third party', 'event type', 'deliveries'],
  f.consents.map((c) => [c.recipientId, c.type, c.count]),
)}
<h2>Subject notices</h2>
<p>${sent} sent in the month, ${acknowledged} of them acknowledged so far; ${f.acknowledgements} acknowledgements received in the month.</p>
${table(
  ['purpose', 'recipient', 'sent', 'acknowledged'],
  f.notices.map((n) => [n.purpose, n.recipientId, n.sent, n.acknowledged]),
)}
</body></html>
`;
}
