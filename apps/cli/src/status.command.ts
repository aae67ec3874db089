import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { topicsFor } from '@kyodo/contracts';
import type { ConsumerGroupDescription, KafkaPort } from '@kyodo/kafka';
import { AuditRepository, DlqRepository } from '@kyodo/persistence';
import type { CliContext } from './context';
import { readDeadLetters } from './dlq/dlq.command';
import { messageOf, openDatabase, plural, redactUrl } from './support';

export interface InboxLag {
  readonly topic: string;
  readonly party: string;
  /** Offsets the gateway has not yet committed past, over all partitions. */
  readonly lag: number;
  /** High watermarks summed over partitions. */
  readonly end: number;
}

export interface KyodoStatus {
  readonly ok: boolean;
  readonly broker: {
    readonly reachable: boolean;
    readonly brokers: readonly string[];
    readonly nodes?: number;
    readonly error?: string;
  };
  readonly database: { readonly reachable: boolean; readonly url: string; readonly error?: string };
  readonly gateway: {
    readonly group: string;
    readonly state: string | null;
    readonly instances: ConsumerGroupDescription['members'];
  } | null;
  readonly inboxes: readonly InboxLag[];
  readonly totalLag: number | null;
  readonly dlq: { readonly topic: string; readonly letters: number; readonly redriven: number | null } | null;
  readonly audit: {
    readonly heads: readonly { partition: number; offset: string; hash: string }[];
    readonly anchors: readonly { partition: number; offset: string; hash: string }[];
  } | null;
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'broker, database, gateway instances, consumer lag per inbox, dead letters and audit chain heads; ' +
        'exit 1 if the broker or the database cannot be reached',
    )
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await collectStatus(ctx);
      ctx.out(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      if (!status.ok) process.exitCode = 1;
    });
}

/** Everything `kyodo status` shows; each part that cannot be read is reported as such, never thrown. */
export async function collectStatus(ctx: CliContext): Promise<KyodoStatus> {
  const topics = topicsFor(ctx.config.topicPrefix);
  const brokers = ctx.config.kafkaBrokers;
  const kafka = ctx.kafka('status');
  const dbErrors: string[] = [];
  const ds = await openDatabase(ctx.config.databaseUrl, {
    out: ctx.out,
    progress: (line) => dbErrors.push(line),
  });
  try {
    let broker: KyodoStatus['broker'];
    try {
      const ping = await kafka.ping();
      broker = { reachable: true, brokers, nodes: ping.brokers };
    } catch (error) {
      broker = { reachable: false, brokers, error: messageOf(error) };
    }
    const database: KyodoStatus['database'] = ds
      ? { reachable: true, url: redactUrl(ctx.config.databaseUrl) }
      : { reachable: false, url: redactUrl(ctx.config.databaseUrl), error: dbErrors.join(' ') };

    let gateway: KyodoStatus['gateway'] = null;
    let inboxes: InboxLag[] = [];
    let dlq: KyodoStatus['dlq'] = null;
    if (broker.reachable) {
      const group = `${ctx.config.topicPrefix}.gateway`;
      gateway = await describe(kafka, group);
      inboxes = await inboxLag(
        kafka,
        group,
        (await kafka.listTopics()).filter((t) => topics.inboxPattern.test(t)),
        topics.senderOf,
      );
      dlq = await dlqSize(ctx, kafka, ds);
    }
    const audit = ds ? await auditHeads(ds) : null;
    return {
      ok: broker.reachable && database.reachable,
      broker,
      database,
      gateway,
      inboxes,
      totalLag: broker.reachable ? inboxes.reduce((sum, i) => sum + i.lag, 0) : null,
      dlq,
      audit,
    };
  } finally {
    await kafka.close();
    await ds?.destroy();
  }
}

async function describe(kafka: KafkaPort, group: string): Promise<KyodoStatus['gateway']> {
  if (!kafka.describeGroup) return { group, state: null, instances: [] };
  const described = await kafka.describeGroup(group);
  return { group, state: described.state, instances: described.members };
}

/** Per inbox: high watermark less the gateway group's committed offset (or the log start, where none). */
export async function inboxLag(
  kafka: KafkaPort,
  group: string,
  inboxTopics: readonly string[],
  senderOf: (topic: string) => string | undefined,
): Promise<InboxLag[]> {
  const result: InboxLag[] = [];
  for (const topic of [...inboxTopics].sort()) {
    const [ends, committed] = await Promise.all([
      kafka.topicOffsets(topic),
      kafka.committedOffsets(group, topic),
    ]);
    const at = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    let lag = 0n;
    let end = 0n;
    for (const p of ends) {
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      const position = at.get(p.partition) ?? -1n;
      lag += high - (position < low ? low : position > high ? high : position);
      end += high;
    }
    result.push({ topic, party: senderOf(topic) ?? topic, lag: Number(lag), end: Number(end) });
  }
  return result;
}

async function dlqSize(
  ctx: CliContext,
  kafka: KafkaPort,
  ds: DataSource | undefined,
): Promise<KyodoStatus['dlq']> {
  const topic = topicsFor(ctx.config.topicPrefix).dlq;
  if (!(await kafka.listTopics()).includes(topic)) return { topic, letters: 0, redriven: ds ? 0 : null };
  const letters = await readDeadLetters(ctx, kafka);
  let redriven: number | null = null;
  if (ds) {
    const done = await new DlqRepository(ds).redrives();
    redriven = letters.filter((l) => done.has(l.id)).length;
  }
  return { topic, letters: letters.length, redriven };
}

async function auditHeads(ds: DataSource): Promise<KyodoStatus['audit']> {
  const repository = new AuditRepository(ds);
  const [heads, anchors] = await Promise.all([repository.chainHeads(), repository.chainAnchors()]);
  return { heads, anchors };
}

export function formatStatus(s: KyodoStatus): string {
  const lines: string[] = [];
  lines.push(
    s.broker.reachable
      ? `Broker    reachable: ${s.broker.brokers.join(',')} (${plural(s.broker.nodes ?? 0, 'node')})`
      : `Broker    NOT reachable at ${s.broker.brokers.join(',')}: ${s.broker.error ?? ''}`,
  );
  lines.push(
    s.database.reachable
      ? `Database  reachable: ${s.database.url}`
      : `Database  NOT reachable: ${s.database.error ?? s.database.url}`,
  );
  if (s.gateway) {
    const n = s.gateway.instances.length;
    lines.push(
      `Gateway   ${plural(n, 'instance')} in group ${s.gateway.group}${s.gateway.state ? ` (${s.gateway.state})` : ''}`,
    );
    for (const m of s.gateway.instances)
      lines.push(`  ${m.clientId} on ${m.host}: ${plural(m.partitions, 'partition')}`);
  }
  if (s.totalLag !== null) {
    lines.push(`Lag       ${s.totalLag} in ${plural(s.inboxes.length, 'inbox', 'inboxes')}`);
    for (const i of s.inboxes) lines.push(`  ${i.topic.padEnd(40)} ${String(i.lag).padStart(8)} of ${i.end}`);
  }
  if (s.dlq) {
    lines.push(
      `DLQ       ${plural(s.dlq.letters, 'dead letter')} on ${s.dlq.topic}` +
        (s.dlq.redriven !== null ? `, ${s.dlq.redriven} redriven` : ''),
    );
  }
  if (s.audit) {
    if (s.audit.heads.length === 0) lines.push('Audit     no chain yet');
    for (const h of s.audit.heads)
      lines.push(`Audit     chain ${h.partition}: head at offset ${h.offset}, hash ${h.hash}`);
    for (const a of s.audit.anchors)
      lines.push(`          chain ${a.partition}: retention anchor at offset ${a.offset}`);
  }
  return lines.join('\n');
}
