import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { verifyChain, type ChainedAuditRow, type ChainFault, type ChainHead } from '@kyodo/audit';
import { createKafkaClient } from '@kyodo/kafka';
import { kafkaClientOptions } from '@kyodo/platform';
import { AuditCheckRunRepository, AuditRepository } from '@kyodo/persistence';
import { verifySummary } from '../../api/src/audit-health/audit-health.service';
import { ApiInputError, DependencyUnavailableError, WorkLimitError } from '../../api/src/errors';
import { ReconciliationRepository } from '../../api/src/reconciliation/reconciliation.repository';
import {
  RECONCILIATION_MAX_RECORDS,
  ReconciliationService,
  type ReconciliationReport,
} from '../../api/src/reconciliation/reconciliation.service';
import { registerAuditRetireCommand } from './audit-retire.command';
import { AnchorWatch, readAnchorFile, writeAnchorFile, type AnchorFile } from './audit-anchor';
import type { CliContext } from './context';
import { startProgress, type Progress } from './progress';
import { messageOf, openDatabase, partitionArgument, plural, timeBoundArgument } from './support';

const PROGRESS_EVERY = 10_000;
/** `audit reconcile` is not behind an HTTP proxy's patience: it may take longer than the API's 60 s. */
const RECONCILE_TIMEOUT_MS = 5 * 60_000;

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('check the audit trail: its hash chains, and against what the outboxes hold');

  audit
    .command('verify')
    .description(
      'check the hash chain of every audit-topic partition and print each chain head, the anchor to publish; ' +
        'exit 1 naming the first bad record if a chain is broken',
    )
    .option('--partition <n>', 'only the chain of this audit-topic partition', partitionArgument)
    .option(
      '--anchor <file>',
      'also require the heads anchored in this file (by `audit anchor`, signed with KYODO_AUDIT_ANCHOR_KEY) to be still in the chain',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: VerifyOptions) => {
      const code = await verifyAuditTrail(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });

  audit
    .command('anchor')
    .description(
      'verify the hash chains, then write their heads to FILE signed with KYODO_AUDIT_ANCHOR_KEY: keep it outside ' +
        'the database; `audit verify --anchor FILE` later catches a tail rewritten together with its heads',
    )
    .requiredOption('--out <file>', 'where to write the signed heads')
    .action(async (opts: { out: string }) => {
      const code = await anchorAuditTrail(ctx, opts.out);
      if (code !== 0) process.exitCode = code;
    });

  audit
    .command('reconcile')
    .description(
      "compare the deliveries the audit trail records with the outbound events in the recipients' outboxes; " +
        'exit 1 on any difference. Without --from/--to everything is compared; with them, audit records are ' +
        'taken by their time and outbox records by their Kafka timestamp, with a 5-minute grace at both edges. ' +
        `Reads at most ${RECONCILIATION_MAX_RECORDS} outbox offsets (every outbox from its start) and as many ` +
        `audit deliveries, and gives up after ${RECONCILE_TIMEOUT_MS / 60_000} minutes (exit 1 either way)`,
    )
    .option(
      '--from <time>',
      'window start: RFC 3339 date-time, or YYYY-MM-DD (a day in Japan)',
      timeBoundArgument('from'),
    )
    .option('--to <time>', 'window end (exclusive; a date includes its whole day)', timeBoundArgument('to'))
    .option('--json', 'print the report as JSON')
    .action(async (opts: ReconcileOptions) => {
      const code = await reconcileAuditTrail(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });

  registerAuditRetireCommand(audit, ctx);
}

export interface VerifyOptions {
  readonly partition?: number;
  readonly json?: boolean;
  /** An anchor file of `audit anchor`. */
  readonly anchor?: string;
}

/** `audit verify`; returns the exit code. */
export async function verifyAuditTrail(ctx: CliContext, opts: VerifyOptions): Promise<number> {
  let watch: AnchorWatch | undefined;
  if (opts.anchor !== undefined) {
    const loaded = await loadAnchor(ctx, opts.anchor);
    if (!loaded) return 1;
    watch = new AnchorWatch(loaded);
  }
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  try {
    const startedAt = new Date();
    const snapshot = await new AuditRepository(ds).openChainSnapshot(opts.partition);
    const counts = new Map<number, number>();
    const progress = startProgress(ctx, 'audit verify', {
      unit: 'rows',
      total: await auditRowCount(ds, opts.partition),
      every: PROGRESS_EVERY,
    });
    let result;
    try {
      const rows = watch ? watch.watch(snapshot.rows) : snapshot.rows;
      result = await verifyChain(counted(rows, counts, progress), {
        heads: snapshot.heads,
        anchors: snapshot.anchors,
      });
    } finally {
      progress.stop();
      await snapshot.close();
    }
    // A run over every chain is recorded, so the console shows it as the last verification.
    if (opts.partition === undefined) {
      await new AuditCheckRunRepository(ds).record({
        kind: 'verify',
        startedAt,
        finishedAt: new Date(),
        ok: result.ok,
        summary: verifySummary(result, counts, snapshot.heads, snapshot.anchors),
      });
    }
    const partitions = [...new Set([...counts.keys(), ...snapshot.heads.map((h) => h.partition)])].sort(
      (a, b) => a - b,
    );
    const heads = new Map<number, ChainHead>(result.ok ? result.heads.map((h) => [h.partition, h]) : []);
    const anchors = new Map(snapshot.anchors.map((a) => [a.partition, a]));
    const anchorProblems = watch && result.ok ? watch.problems(snapshot.anchors) : [];

    if (opts.json) {
      ctx.out(
        JSON.stringify(
          {
            ok: result.ok,
            rows: result.rows,
            partitions: partitions.map((p) => ({
              partition: p,
              rows: counts.get(p) ?? 0,
              head: position(heads.get(p)),
              anchor: position(anchors.get(p)),
            })),
            firstBad: result.ok ? null : result.firstBad,
            ...(watch ? { anchorFile: opts.anchor, anchorProblems } : {}),
          },
          null,
          2,
        ),
      );
      return result.ok && anchorProblems.length === 0 ? 0 : 1;
    }

    if (partitions.length === 0) {
      ctx.out(
        opts.partition === undefined
          ? 'The audit trail is empty: nothing to verify.'
          : `No audit records for partition ${opts.partition}: nothing to verify.`,
      );
      return 0;
    }
    for (const p of partitions) {
      const anchor = anchors.get(p);
      const head = heads.get(p);
      const from = anchor ? ` after the retention anchor at offset ${anchor.offset}` : '';
      ctx.out(
        `Partition ${p}: ${plural(counts.get(p) ?? 0, 'row')} checked${from}` +
          (head ? `; head at offset ${head.offset}, hash ${head.hash}` : ''),
      );
    }
    if (result.ok && anchorProblems.length > 0) {
      for (const line of anchorProblems) ctx.out(line);
      return 1;
    }
    if (result.ok) {
      if (watch) ctx.out(`Every head anchored in ${opts.anchor} is still in the chain.`);
      ctx.out(`Audit chain intact: ${plural(result.rows, 'row')} in ${plural(partitions.length, 'chain')}.`);
      ctx.out('Publish the heads above (partition, offset, hash) as the anchor of this verification.');
      return 0;
    }
    for (const line of describeFault(result.firstBad)) ctx.out(line);
    return 1;
  } finally {
    await ds.destroy();
  }
}

async function loadAnchor(ctx: CliContext, file: string): Promise<AnchorFile | undefined> {
  const key = ctx.config.auditAnchorKey;
  if (key === undefined) {
    ctx.progress('kyodo: KYODO_AUDIT_ANCHOR_KEY must be set to sign or check an audit anchor file');
    return undefined;
  }
  try {
    return await readAnchorFile(file, key);
  } catch (error) {
    ctx.progress(`kyodo: ${messageOf(error)}`);
    return undefined;
  }
}

/** `audit anchor --out FILE`: verifies the chains, then writes their heads, signed. Returns the exit code. */
export async function anchorAuditTrail(ctx: CliContext, out: string, now = new Date()): Promise<number> {
  const key = ctx.config.auditAnchorKey;
  if (key === undefined) {
    ctx.progress('kyodo: KYODO_AUDIT_ANCHOR_KEY must be set to sign an audit anchor file');
    return 1;
  }
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  try {
    const snapshot = await new AuditRepository(ds).openChainSnapshot();
    let result;
    try {
      result = await verifyChain(snapshot.rows, { heads: snapshot.heads, anchors: snapshot.anchors });
    } finally {
      await snapshot.close();
    }
    if (!result.ok) {
      for (const line of describeFault(result.firstBad)) ctx.out(line);
      ctx.out('Nothing anchored: the chain must verify first.');
      return 1;
    }
    await writeAnchorFile(out, key, ctx.config.topicPrefix, result.heads, now);
    ctx.out(`Anchored ${plural(result.heads.length, 'chain head')} in ${out}; keep it outside the database.`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

function position(head: ChainHead | undefined): { offset: string; hash: string } | null {
  return head ? { offset: head.offset, hash: head.hash } : null;
}

async function* counted(
  rows: AsyncIterable<ChainedAuditRow>,
  counts: Map<number, number>,
  progress: Progress,
): AsyncGenerator<ChainedAuditRow> {
  for await (const row of rows) {
    counts.set(row.chainPartition, (counts.get(row.chainPartition) ?? 0) + 1);
    progress.increment(1, `partition ${row.chainPartition}, offset ${row.chainOffset}`);
    yield row;
  }
}

/** Rows to verify, for the progress bar's total and ETA (the snapshot may hold a few more). */
async function auditRowCount(ds: DataSource, partition?: number): Promise<number> {
  const rows: { n: string }[] = await ds.query(
    partition === undefined
      ? 'SELECT count(*)::text AS n FROM audit_record'
      : 'SELECT count(*)::text AS n FROM audit_record WHERE chain_partition = $1',
    partition === undefined ? [] : [partition],
  );
  return Number(rows[0]?.n ?? 0);
}

function describeFault(fault: ChainFault): string[] {
  const id = fault.id === null ? 'no record there (the chain ends early)' : `audit id ${fault.id}`;
  return [
    `Audit chain BROKEN at partition ${fault.chainPartition}, offset ${fault.chainOffset}, ${id}: ${fault.problem}`,
    `  ${fault.detail}`,
  ];
}

export interface ReconcileOptions {
  readonly from?: string;
  readonly to?: string;
  readonly json?: boolean;
}

/** `audit reconcile`; returns the exit code. */
export async function reconcileAuditTrail(ctx: CliContext, opts: ReconcileOptions): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  const kafka = createKafkaClient({
    client: ctx.config.kafkaClient,
    ...kafkaClientOptions(ctx.config, `${ctx.config.kafkaClientId}-cli`),
  });
  try {
    const progress = startProgress(ctx, 'reconcile', {
      unit: 'outbox records',
      total: 0,
      every: PROGRESS_EVERY,
    });
    const service = new ReconciliationService(new ReconciliationRepository(ds), kafka, {
      topicPrefix: ctx.config.topicPrefix,
      timeoutMs: RECONCILE_TIMEOUT_MS,
      warn: (message, details) => ctx.progress(`warning: ${message} ${JSON.stringify(details)}`),
      onOutboxRecord: () => progress.increment(1),
    });
    ctx.progress('Reading the outboxes up to their current end …');
    let report: ReconciliationReport;
    try {
      report = await service.reconcile({ from: opts.from, to: opts.to });
      progress.stop();
    } catch (error) {
      progress.stop();
      if (
        error instanceof ApiInputError ||
        error instanceof WorkLimitError ||
        error instanceof DependencyUnavailableError
      ) {
        ctx.progress(`kyodo: ${error.message}`);
        return 1;
      }
      throw error;
    }
    if (opts.json) ctx.out(JSON.stringify(report, null, 2));
    else printReport(ctx, report);
    return report.ok ? 0 : 1;
  } catch (error) {
    ctx.progress(`kyodo: reconciliation failed: ${messageOf(error)}`);
    return 1;
  } finally {
    await kafka.close();
    await ds.destroy();
  }
}

function printReport(ctx: CliContext, report: ReconciliationReport): void {
  const { from, to, graceSeconds } = report.window;
  ctx.out(
    from === null && to === null
      ? 'Window: everything on both sides'
      : `Window: ${from ?? '(open)'} to ${to ?? '(open)'} (grace ${graceSeconds} s at each edge)`,
  );
  ctx.out(`Audit deliveries: ${report.auditDeliveries}`);
  ctx.out(`Outbox events: ${report.outboxEvents}`);
  const list = (title: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    ctx.out(`${title} (${items.length}):`);
    for (const item of items) ctx.out(`  ${item}`);
  };
  list('Recorded as delivered but missing from the outboxes', report.missingFromOutbox);
  list('In an outbox but missing from the audit trail', report.missingFromAudit);
  list(
    'Outbox records that are not outbound events',
    report.unreadable.map((u) => `${u.topic} partition ${u.partition} offset ${u.offset}`),
  );
  for (const trimmed of report.trimmedOutboxes) {
    ctx.out(`Note: ${trimmed.topic} holds records only from ${trimmed.completeSince} (retention)`);
  }
  if (report.notVerifiable > 0) {
    ctx.out(
      `Note: ${plural(report.notVerifiable, 'delivery', 'deliveries')} too old to check against trimmed outboxes`,
    );
  }
  ctx.out(
    report.ok
      ? 'Audit trail and outboxes agree.'
      : 'DIFFERENCES FOUND between the audit trail and the outboxes.',
  );
}
