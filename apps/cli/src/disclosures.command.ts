import { Option, type Command } from 'commander';
import { AuditRepository, SubjectNoticeRepository } from '@kyodo/persistence';
import { disclosuresCsv } from '../../api/src/disclosures/csv';
import {
  DisclosuresService,
  type Disclosure,
  type DisclosureReport,
} from '../../api/src/disclosures/disclosures.service';
import { ApiInputError } from '../../api/src/errors';
import type { CliContext } from './context';
import { openDatabase, partyIdArgument, plural, supplyPointArgument, timeBoundArgument } from './support';

export const DISCLOSURE_OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type DisclosureOutputFormat = (typeof DISCLOSURE_OUTPUT_FORMATS)[number];

export interface DisclosuresOptions {
  readonly from?: string;
  readonly to?: string;
  readonly recipient?: string;
  readonly format?: DisclosureOutputFormat;
}

export function registerDisclosuresCommand(program: Command, ctx: CliContext): void {
  program
    .command('disclosures')
    .description(
      'what was disclosed about one supply point: when, to whom, which fields, for which purposes ' +
        '(what GET /v1/disclosures answers)',
    )
    .argument('<spid>', 'supply point id: 22 digits, the first two its area', supplyPointArgument)
    .option(
      '--from <time>',
      'from this time: RFC 3339 date-time, or YYYY-MM-DD (a day in Japan)',
      timeBoundArgument('from'),
    )
    .option('--to <time>', 'before this time (a date includes its whole day)', timeBoundArgument('to'))
    .option('--recipient <partyId>', 'only deliveries to this party', partyIdArgument)
    .addOption(
      new Option('--format <format>', 'output format').choices(DISCLOSURE_OUTPUT_FORMATS).default('table'),
    )
    .action(async (spid: string, opts: DisclosuresOptions) => {
      const code = await showDisclosures(ctx, spid, opts);
      if (code !== 0) process.exitCode = code;
    });
}

/** `disclosures SPID`; returns the exit code. */
export async function showDisclosures(
  ctx: CliContext,
  supplyPointId: string,
  opts: DisclosuresOptions,
): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  let report: DisclosureReport;
  try {
    const service = new DisclosuresService(
      new AuditRepository(ds),
      ctx.config.auditHmacKey,
      new SubjectNoticeRepository(ds),
    );
    report = await service.list({ supplyPointId, from: opts.from, to: opts.to, recipientId: opts.recipient });
  } catch (error) {
    if (!(error instanceof ApiInputError)) throw error;
    ctx.progress(`kyodo: ${error.message}`);
    return 1;
  } finally {
    await ds.destroy();
  }
  switch (opts.format ?? 'table') {
    case 'json':
      ctx.out(JSON.stringify(report, null, 2));
      break;
    case 'csv':
      ctx.out(disclosuresCsv(report.items, '\n').slice(0, -1));
      break;
    case 'table':
      for (const line of disclosuresTable(report)) ctx.out(line);
      break;
  }
  return 0;
}

/** A heading, then one aligned row per delivery; the field lists come last as they are the longest. */
export function disclosuresTable(report: DisclosureReport): string[] {
  const scope = [
    report.from ? `from ${report.from}` : '',
    report.to ? `before ${report.to}` : '',
    report.recipientId ? `to ${report.recipientId}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const about = `supply point ${report.supplyPointId}${scope ? ` (${scope})` : ''}`;
  if (report.items.length === 0 && report.notices.length === 0) {
    return [`No deliveries about ${about} are recorded.`];
  }
  return [...deliveriesTable(report, about), ...noticesTable(report)];
}

/** Subject notices: to whom, when, and whether acknowledged (and when). */
function noticesTable(report: DisclosureReport): string[] {
  if (report.notices.length === 0) return [];
  const header = ['SENT', 'RECIPIENT', 'REFERENCE', 'PURPOSE', 'STATUS', 'ACKNOWLEDGED', 'NOTICE'];
  const rows = report.notices.map((n) => [
    n.sentAt,
    `${n.recipientId} (${n.recipientRole})`,
    n.reference,
    listed(n.purposes),
    n.status,
    n.acknowledgedAt ?? '-',
    n.noticeId,
  ]);
  return ['', `${plural(rows.length, 'subject notice')}:`, ...aligned(header, rows)];
}

function aligned(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function deliveriesTable(report: DisclosureReport, about: string): string[] {
  if (report.items.length === 0) return [`No deliveries about ${about} are recorded.`];
  const header = [
    'TIME',
    'RECIPIENT',
    'EVENT',
    'PURPOSES',
    'POLICY',
    'RESTED ON',
    'FIELDS DELIVERED',
    'FIELDS WITHHELD',
  ];
  const rows = report.items.map((d: Disclosure) => [
    d.time,
    `${d.recipientId} (${d.recipientRole})`,
    d.eventType.replace(/^jp\.kyodo\./, ''),
    listed(d.purposes),
    d.policyVersion,
    restedOn(d),
    listed(d.fieldsDelivered),
    listed(d.fieldsWithheld),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    `${plural(report.items.length, 'delivery', 'deliveries')} about ${about}:`,
    line(header),
    ...rows.map(line),
  ];
}

/** The consents and agreements a delivery rested on: `consent C1, agreement A1`, or `-`. */
function restedOn(d: Disclosure): string {
  const parts = [
    ...(d.consentIds ?? []).map((id) => `consent ${id}`),
    ...(d.agreementIds ?? []).map((id) => `agreement ${id}`),
  ];
  return parts.length === 0 ? '-' : parts.join(', ');
}

function listed(values: readonly string[]): string {
  return values.length === 0 ? '-' : values.join(', ');
}
