import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { DataSource } from 'typeorm';
import { topicsFor } from '@kyodo/contracts';
import type { KafkaPort, Producer } from '@kyodo/kafka';
import { DLQ_ID, DlqRepository, type DlqRedrive } from '@kyodo/persistence';
import type { CliContext } from '../context';
import { startProgress } from '../progress';
import { messageOf, openDatabase, plural } from '../support';
import { maskedOriginal, originalBytes, parseDeadLetter, type StoredDeadLetter } from './dead-letter';

/** Header a redriven record carries: the dead letter it re-submits. */
export const REDRIVE_HEADER = 'kyodo-redrive-of';

export function registerDlqCommands(program: Command, ctx: CliContext): void {
  const dlq = program
    .command('dlq')
    .description(
      'inspect dead letters (rejected input) and re-submit them to their inbox once the cause is fixed',
    );

  dlq
    .command('list')
    .description('every dead letter on the dead-letter topic: id, reason, inbox coordinates, redrives')
    .option('--reason <reason>', 'only letters rejected for this reason')
    .option('--json', 'print the letters as JSON (values masked as in `dlq show`)')
    .action(async (opts: ListOptions) => {
      const code = await listDeadLetters(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });

  dlq
    .command('show')
    .description(
      "one dead letter, with the original record's personal values masked; --reveal --reason shows them " +
        'and records who did so, when and why',
    )
    .argument('<id>', 'the letter id, <partition>-<offset> as `dlq list` prints it', dlqIdArgument)
    .option('--reveal', 'show the original key and value in clear (needs --reason; recorded)')
    .option('--reason <text>', 'why the personal values must be seen (a ticket, a case number)')
    .option('--json', 'print the letter as JSON')
    .action(async (id: string, opts: ShowOptions) => {
      const code = await showDeadLetter(ctx, id, opts);
      if (code !== 0) process.exitCode = code;
    });

  dlq
    .command('redrive')
    .description(
      'write the original bytes and headers of each letter back to its inbox, for the gateway to route again; ' +
        'each redrive is recorded and a letter already redriven is refused unless --again',
    )
    .argument('<ids...>', 'letter ids, <partition>-<offset>', collectIds)
    .requiredOption('--reason <text>', 'what was fixed (recorded with the redrive)')
    .option('--again', 'redrive letters that were already redriven')
    .action(async (ids: string[], opts: RedriveOptions) => {
      const code = await redriveDeadLetters(ctx, ids, opts);
      if (code !== 0) process.exitCode = code;
    });
}

function dlqIdArgument(value: string): string {
  if (!DLQ_ID.test(value)) {
    throw new InvalidArgumentError(
      'a dead letter id is <partition>-<offset> on the dead-letter topic, e.g. 0-17',
    );
  }
  return value;
}

function collectIds(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), dlqIdArgument(value)];
}

export interface ListOptions {
  readonly reason?: string;
  readonly json?: boolean;
}

export interface ShowOptions {
  readonly reveal?: boolean;
  readonly reason?: string;
  readonly json?: boolean;
}

export interface RedriveOptions {
  readonly reason: string;
  readonly again?: boolean;
  /** Who redrives: the OS user by default. */
  readonly operator?: string;
}

/** Opens what a dlq command needs; undefined (having said why) when the database cannot be reached. */
async function open(
  ctx: CliContext,
): Promise<{ ds: DataSource; kafka: KafkaPort; close: () => Promise<void> } | undefined> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return undefined;
  const kafka = ctx.kafka('dlq');
  return {
    ds,
    kafka,
    close: async () => {
      await kafka.close();
      await ds.destroy();
    },
  };
}

/** Reads the dead-letter topic from its start to its current end. */
export async function readDeadLetters(ctx: CliContext, kafka: KafkaPort): Promise<StoredDeadLetter[]> {
  const topic = topicsFor(ctx.config.topicPrefix).dlq;
  const letters: StoredDeadLetter[] = [];
  let unreadable = 0;
  // Up to the high watermark as it is now, read_committed: exactly what is committed, nothing guessed.
  const offsets = await kafka.topicOffsets(topic);
  const records = await kafka.readPartitions(
    topic,
    offsets.map((o) => ({ partition: o.partition, from: o.low })),
  );
  for (const record of records) {
    const letter = parseDeadLetter(record.value);
    if (!letter) {
      unreadable += 1;
      continue;
    }
    letters.push({
      id: `${record.partition}-${record.offset}`,
      partition: record.partition,
      offset: record.offset,
      timestamp: Number(record.timestamp),
      letter,
    });
  }
  if (unreadable > 0)
    ctx.progress(`warning: ${plural(unreadable, 'record')} on ${topic} are not dead letters`);
  return letters.sort((a, b) => a.timestamp - b.timestamp || a.id.localeCompare(b.id));
}

function summary(d: StoredDeadLetter, redrives: readonly DlqRedrive[] | undefined) {
  const last = redrives?.[redrives.length - 1];
  return {
    id: d.id,
    reason: d.letter.reason,
    message: d.letter.message,
    inbox: d.letter.topic,
    inboxPartition: d.letter.partition,
    inboxOffset: d.letter.offset,
    rejectedAt: d.letter.rejectedAt,
    auditId: d.letter.auditId,
    redriven: last ? { times: redrives.length, last: last.redrivenAt, by: last.operator } : null,
  };
}

/** `dlq list`; returns the exit code. */
export async function listDeadLetters(ctx: CliContext, opts: ListOptions): Promise<number> {
  const io = await open(ctx);
  if (!io) return 1;
  try {
    const redrives = await new DlqRepository(io.ds).redrives();
    const letters = (await readDeadLetters(ctx, io.kafka)).filter(
      (d) => opts.reason === undefined || d.letter.reason === opts.reason,
    );
    const rows = letters.map((d) => summary(d, redrives.get(d.id)));
    if (opts.json) {
      ctx.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (rows.length === 0) {
      ctx.out('No dead letters.');
      return 0;
    }
    for (const r of rows) {
      const redriven = r.redriven ? `  redriven ${r.redriven.times}× (last ${r.redriven.last})` : '';
      ctx.out(
        `${r.id}  ${r.rejectedAt}  ${r.reason}  ${r.inbox}[${r.inboxPartition}]@${r.inboxOffset}${redriven}`,
      );
      ctx.out(`    ${r.message}`);
    }
    ctx.out(`${plural(rows.length, 'dead letter')}.`);
    return 0;
  } catch (error) {
    ctx.progress(`kyodo: cannot read the dead letters: ${messageOf(error)}`);
    return 1;
  } finally {
    await io.close();
  }
}

/** `dlq show`; returns the exit code. A reveal is recorded before anything personal is printed. */
export async function showDeadLetter(ctx: CliContext, id: string, opts: ShowOptions): Promise<number> {
  if (opts.reveal && (opts.reason === undefined || opts.reason.trim() === '')) {
    ctx.progress('kyodo: --reveal shows personal data and needs --reason "<why>" (it is recorded)');
    return 2;
  }
  const io = await open(ctx);
  if (!io) return 1;
  try {
    const repository = new DlqRepository(io.ds);
    const found = (await readDeadLetters(ctx, io.kafka)).find((d) => d.id === id);
    if (!found) {
      ctx.progress(`kyodo: there is no dead letter ${id} on ${topicsFor(ctx.config.topicPrefix).dlq}`);
      return 1;
    }
    const letter = found.letter;
    let revealed: { id: string; at: string } | undefined;
    if (opts.reveal) revealed = await repository.recordReveal(id, opts.reason!.trim(), operatorName());
    const bytes = originalBytes(letter);
    const shown = {
      ...summary(found, (await repository.redrives()).get(id)),
      policyVersion: letter.policyVersion,
      key: revealed ? letter.key : letter.key === null ? null : '•••',
      keyEncoding: letter.keyEncoding,
      headers: revealed
        ? (letter.headers ?? {})
        : Object.fromEntries(Object.keys(letter.headers ?? {}).map((k) => [k, '•••'])),
      value: revealed ? (bytes === null ? null : bytes.toString('utf8')) : maskedOriginal(letter),
      valueEncoding: revealed ? letter.valueEncoding : 'masked',
      reveals: await repository.reveals(id),
    };
    if (opts.json) {
      ctx.out(JSON.stringify(shown, null, 2));
    } else {
      ctx.out(`Dead letter ${id} (${shown.reason}), rejected ${shown.rejectedAt}`);
      ctx.out(`  ${shown.message}`);
      ctx.out(
        `  inbox ${shown.inbox} partition ${shown.inboxPartition} offset ${shown.inboxOffset}; audit ${shown.auditId}`,
      );
      if (shown.redriven)
        ctx.out(`  redriven ${shown.redriven.times}×, last ${shown.redriven.last} by ${shown.redriven.by}`);
      ctx.out(`  key: ${String(shown.key)}`);
      ctx.out(`  value${revealed ? '' : ' (personal values masked; --reveal --reason shows them)'}:`);
      ctx.out(
        typeof shown.value === 'string' && revealed
          ? `  ${shown.value}`
          : JSON.stringify(shown.value, null, 2).replace(/^/gm, '  '),
      );
      if (shown.reveals.length > 0)
        ctx.out(
          `  shown in clear ${plural(shown.reveals.length, 'time')}; last: ${shown.reveals[shown.reveals.length - 1].revealedAt}`,
        );
    }
    if (revealed)
      ctx.progress(`Reveal recorded (#${revealed.id}, ${revealed.at}, reason "${opts.reason!.trim()}").`);
    return 0;
  } catch (error) {
    ctx.progress(`kyodo: cannot show dead letter ${id}: ${messageOf(error)}`);
    return 1;
  } finally {
    await io.close();
  }
}

/**
 * `dlq redrive`: each letter's original key, bytes and headers go back to its inbox, with a header
 * naming the letter; each redrive is recorded in the same database transaction that waits for the
 * broker's acknowledgement, so a failed send records nothing and a recorded one was sent. Letters
 * already redriven are refused unless `again`. Returns the exit code: 1 if any letter was not redriven.
 */
export async function redriveDeadLetters(
  ctx: CliContext,
  ids: readonly string[],
  opts: RedriveOptions,
): Promise<number> {
  const io = await open(ctx);
  if (!io) return 1;
  let producer: Producer | undefined;
  try {
    const repository = new DlqRepository(io.ds);
    const letters = new Map((await readDeadLetters(ctx, io.kafka)).map((d) => [d.id, d]));
    const operator = opts.operator ?? operatorName();
    const inboxes = new Set(await io.kafka.listTopics());
    producer = await io.kafka.createProducer({ idempotent: true });
    const progress = startProgress(ctx, 'redrive', { unit: 'letters', total: ids.length });
    let failed = 0;
    let redriven = 0;
    for (const id of [...new Set(ids)]) {
      const found = letters.get(id);
      const problem = !found
        ? `there is no dead letter ${id}`
        : found.letter.keyEncoding === 'base64'
          ? `${id}: its key is not UTF-8 text and cannot be re-submitted as it was`
          : !inboxes.has(found.letter.topic)
            ? `${id}: its inbox ${found.letter.topic} no longer exists`
            : undefined;
      if (problem || !found) {
        ctx.progress(`kyodo: ${problem}`);
        failed += 1;
        progress.increment(1);
        continue;
      }
      const letter = found.letter;
      const value = originalBytes(letter);
      const send = producer.send;
      const outcome = await repository.redriveOnce(
        { dlqId: id, inboxTopic: letter.topic, reason: opts.reason, operator, again: opts.again },
        () =>
          send([
            {
              topic: letter.topic,
              key: letter.key,
              value: value ?? Buffer.alloc(0),
              headers: { ...(letter.headers ?? {}), [REDRIVE_HEADER]: id },
            },
          ]),
      );
      if (outcome.redriven) {
        redriven += 1;
        ctx.out(
          `Redrove ${id} (${letter.reason}) to ${letter.topic}${outcome.attempt > 1 ? ` (attempt ${outcome.attempt})` : ''}.`,
        );
      } else {
        failed += 1;
        ctx.progress(
          `kyodo: ${id} was already redriven ${outcome.previous.redrivenAt} by ${outcome.previous.operator}; ` +
            'use --again to redrive it once more',
        );
      }
      progress.increment(1, id);
    }
    progress.stop();
    ctx.out(`${plural(redriven, 'letter')} redriven, ${failed} not.`);
    return failed > 0 ? 1 : 0;
  } catch (error) {
    ctx.progress(`kyodo: redrive failed: ${messageOf(error)}`);
    return 1;
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await io.close();
  }
}

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
