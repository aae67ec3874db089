import { InvalidArgumentError, type Command } from 'commander';
import {
  AuditPartitionError,
  auditPartitionName,
  listAuditPartitions,
  retireAuditPartition,
  type RetiredPartition,
} from '@kyodo/persistence';
import type { CliContext } from './context';
import { startProgress } from './progress';
import { messageOf, openDatabase, plural } from './support';

export function registerAuditRetireCommand(audit: Command, ctx: CliContext): void {
  audit
    .command('retire')
    .description(
      'retention: drop every whole month of audit records before MONTH, oldest first; each chain keeps its ' +
        'last dropped row as the anchor `audit verify` starts from. Months from the current one on are never dropped',
    )
    .requiredOption('--before <YYYY-MM>', 'the first month kept', monthArgument)
    .option('--json', 'print what was retired as JSON')
    .action(async (opts: RetireOptions) => {
      const code = await retireAudit(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });
}

export interface RetireOptions {
  readonly before: string;
  readonly json?: boolean;
  /** Injected in tests; the current month is never retired. */
  readonly now?: Date;
}

function monthArgument(value: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12)
    throw new InvalidArgumentError('a month is YYYY-MM, such as 2026-04');
  return value;
}

/** `audit retire`; returns the exit code. */
export async function retireAudit(ctx: CliContext, opts: RetireOptions): Promise<number> {
  const now = opts.now ?? new Date();
  const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  if (opts.before > current) {
    ctx.progress(
      `kyodo: --before ${opts.before} would drop the current month (${current}) or later, which still receives records`,
    );
    return 2;
  }
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  const retired: RetiredPartition[] = [];
  try {
    const limit = auditPartitionName(opts.before);
    // Names sort by month: audit_record_yYYYYmMM.
    const due = (await listAuditPartitions(ds)).filter((name) => name < limit);
    const progress = startProgress(ctx, 'retire', { unit: 'months', total: due.length, every: 1 });
    for (const name of due) {
      const month = `${name.slice(14, 18)}-${name.slice(19, 21)}`;
      const result = await retireAuditPartition(ds, month);
      if (result) retired.push(result);
      progress.increment(1, month);
    }
    progress.stop();
    if (opts.json) ctx.out(JSON.stringify({ before: opts.before, retired }, null, 2));
    else if (retired.length === 0) ctx.out(`No audit months before ${opts.before}: nothing retired.`);
    else {
      for (const r of retired) {
        ctx.out(`Retired ${r.partition}: ${plural(r.rows, 'row')}`);
        for (const a of r.anchors)
          ctx.out(`  chain ${a.partition}: anchor at offset ${a.offset}, hash ${a.hash}`);
      }
      ctx.out(
        `${plural(retired.length, 'month')} retired; audit verify now starts each chain after its anchor.`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof AuditPartitionError || error instanceof RangeError) {
      ctx.progress(`kyodo: ${error.message}`);
      if (retired.length > 0)
        ctx.progress(`(retired before that: ${retired.map((r) => r.partition).join(', ')})`);
      return 1;
    }
    ctx.progress(`kyodo: audit retire failed: ${messageOf(error)}`);
    return 1;
  } finally {
    await ds.destroy();
  }
}
