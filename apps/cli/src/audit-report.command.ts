import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { verifyChain } from '@kyodo/audit';
import { AuditReportRepository, AuditRepository, AuditRunRepository } from '@kyodo/persistence';
import type { CliContext } from './context';
import {
  monthWindow,
  monthlyReportCsv,
  monthlyReportHtml,
  type MonthlyReport,
} from './report/monthly-report';
import { openDatabase } from './support';

/** `audit report`, beside `audit verify` and `audit reconcile`. */
export function registerAuditReportCommand(program: Command, ctx: CliContext): void {
  const audit = program.commands.find((c) => c.name() === 'audit');
  if (!audit) throw new Error('the audit command must be registered first');
  audit
    .command('report')
    .description(
      'write the monthly report of the shared use (deliveries per purpose, role and event type; fields withheld; ' +
        'rejections by reason; deliveries under consent; subject notices and acknowledgements; chain verification) ' +
        'as HTML (with a chart) and CSV',
    )
    .requiredOption('--month <YYYY-MM>', 'the month, in Japan time', (value: string) => {
      if (!monthWindow(value)) throw new InvalidArgumentError('--month must be YYYY-MM, such as 2026-11.');
      return value;
    })
    .option('--out <dir>', 'where to write kyodo-audit-<month>.html and .csv', '.')
    .action(async (opts: { month: string; out: string }) => {
      const code = await writeMonthlyReport(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });
}

/** Writes the report's two files and names them; returns the exit code (1 if a chain is broken). */
export async function writeMonthlyReport(
  ctx: CliContext,
  opts: { month: string; out: string },
  clock: () => Date = () => new Date(),
): Promise<number> {
  const window = monthWindow(opts.month);
  if (!window) {
    ctx.progress('kyodo: --month must be YYYY-MM');
    return 2;
  }
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  let report: MonthlyReport;
  try {
    const figures = await new AuditReportRepository(ds).monthFigures(window.from, window.to);
    const runs = await new AuditRunRepository(ds).between(window.from, window.to);
    const snapshot = await new AuditRepository(ds).openChainSnapshot();
    let chain: MonthlyReport['chain'];
    try {
      const result = await verifyChain(snapshot.rows, { heads: snapshot.heads, anchors: snapshot.anchors });
      chain = result.ok
        ? { ok: true, rows: result.rows, problem: null }
        : {
            ok: false,
            rows: result.rows,
            problem: `partition ${result.firstBad.chainPartition}, offset ${result.firstBad.chainOffset}: ${result.firstBad.problem}`,
          };
    } finally {
      await snapshot.close();
    }
    report = { month: opts.month, ...window, generatedAt: clock().toISOString(), figures, chain, runs };
  } finally {
    await ds.destroy();
  }
  const dir = resolve(opts.out);
  mkdirSync(dir, { recursive: true });
  const html = join(dir, `kyodo-audit-${opts.month}.html`);
  const csv = join(dir, `kyodo-audit-${opts.month}.csv`);
  writeFileSync(html, monthlyReportHtml(report));
  writeFileSync(csv, monthlyReportCsv(report));
  ctx.out(html);
  ctx.out(csv);
  if (!report.chain.ok) ctx.progress(`kyodo: the audit chain is broken: ${report.chain.problem ?? ''}`);
  return report.chain.ok ? 0 : 1;
}
