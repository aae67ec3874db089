import { InvalidArgumentError, type Command } from 'commander';
import { topicsFor, SUBJECT_NOTICE_KINDS } from '@kyodo/contracts';
import { AuditRepository, SubjectNoticeRepository } from '@kyodo/persistence';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { ApiInputError, DependencyUnavailableError, WorkLimitError } from '../../api/src/errors';
import { SubjectNoticeService } from '../../api/src/subject-notices/subject-notices.service';
import type { CliContext } from './context';
import { messageOf, openDatabase, supplyPointArgument, timeBoundArgument } from './support';

export function registerSubjectCommands(program: Command, ctx: CliContext): void {
  const subject = program
    .command('subject')
    .description("a customer's requests about their data (what POST /v1/subject-notices does)");
  subject
    .command('notice')
    .description(
      'pass a correction or deletion request on to every party that received fields about the supply point ' +
        'in the period: one jp.kyodo.subject-notice.v1 each, in one Kafka transaction with its audit records',
    )
    .argument('<kind>', SUBJECT_NOTICE_KINDS.join(' or '), (value: string) => {
      if (!(SUBJECT_NOTICE_KINDS as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`The kind is ${SUBJECT_NOTICE_KINDS.join(' or ')}.`);
      }
      return value;
    })
    .argument('<spid>', 'supply point id: 22 digits, the first two its area', supplyPointArgument)
    .requiredOption('--reference <ref>', 'the case reference (never personal data), e.g. REQ-2026-0042')
    .option(
      '--from <time>',
      'deliveries from this time (RFC 3339, or YYYY-MM-DD: a day in Japan)',
      timeBoundArgument('from'),
    )
    .option(
      '--to <time>',
      'deliveries before this time (a date includes its whole day)',
      timeBoundArgument('to'),
    )
    .option('--json', 'print the outcome as JSON')
    .action(async (kind: string, spid: string, opts: NoticeOptions) => {
      const code = await sendSubjectNotice(ctx, kind, spid, opts);
      if (code !== 0) process.exitCode = code;
    });
}

export interface NoticeOptions {
  readonly reference: string;
  readonly from?: string;
  readonly to?: string;
  readonly json?: boolean;
}

/** `subject notice KIND SPID`; returns the exit code. Nobody to tell is an answer (exit 0), not an error. */
export async function sendSubjectNotice(
  ctx: CliContext,
  kind: string,
  supplyPointId: string,
  opts: NoticeOptions,
): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  const kafka = ctx.kafka('cli');
  try {
    const service = new SubjectNoticeService(
      new AuditRepository(ds),
      new SubjectNoticeRepository(ds),
      kafka,
      {
        topics: topicsFor(ctx.config.topicPrefix),
        hmacKey: ctx.config.auditHmacKey,
        policy: compilePolicy(loadPolicy(ctx.config.policyFile)),
      },
    );
    const outcome = await service.issue({
      kind,
      reference: opts.reference,
      supplyPointId,
      from: opts.from,
      to: opts.to,
      requestedBy: 'urn:kyodo:cli',
    });
    if (opts.json) {
      ctx.out(JSON.stringify(outcome, null, 2));
      return 0;
    }
    ctx.out(outcome.summary);
    for (const n of outcome.notices) {
      ctx.out(`  ${n.recipientId} (${n.recipientRole}): notice ${n.noticeId}`);
      ctx.out(`    fields: ${n.fields.join(', ')}`);
      ctx.out(`    deliveries: ${n.deliveries.length}`);
    }
    for (const n of outcome.alreadySent) ctx.out(`  ${n.recipientId}: notice ${n.noticeId} sent before`);
    return 0;
  } catch (error) {
    if (
      error instanceof ApiInputError ||
      error instanceof WorkLimitError ||
      error instanceof DependencyUnavailableError
    ) {
      ctx.progress(`kyodo: ${error.message}`);
      return 1;
    }
    ctx.progress(`kyodo: the notices could not be sent: ${messageOf(error)}`);
    return 1;
  } finally {
    await kafka.close();
    await ds.destroy();
  }
}
