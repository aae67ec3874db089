import type { Topics } from '@kyodo/contracts';
import type { KafkaPort, TopicSpec } from '@kyodo/kafka';

/**
 * Inboxes accept records up to 2 MiB so that a value over the contract's 1 MiB limit still reaches the
 * gateway and is rejected with a reason, not refused silently by the broker. The dead-letter topic keeps
 * such a record's original bytes, so it takes more.
 */
const INBOX_CONFIG = { 'max.message.bytes': String(2 * 1024 * 1024) };
/** An outbound event is its input (at most 1 MiB) plus envelope attributes; the router enforces this. */
const OUTBOX_MAX_BYTES = String(2 * 1024 * 1024);
const DLQ_MAX_BYTES = String(8 * 1024 * 1024);

/**
 * How long Kyodo keeps its own copies of personal data: outboxes (redacted copies awaiting their
 * recipient) and the dead-letter topic (original bytes). KYODO_OUTBOX_RETENTION_MS and
 * KYODO_DLQ_RETENTION_MS, 14 days by default; see docs/retention.md for what a deletion request means
 * for them. Applied when a topic is created; an existing topic keeps its settings.
 */
export interface CopyRetention {
  readonly outboxMs: number;
  readonly dlqMs: number;
}

export const DEFAULT_COPY_RETENTION: CopyRetention = {
  outboxMs: 14 * 24 * 3600 * 1000,
  dlqMs: 14 * 24 * 3600 * 1000,
};
/**
 * The audit topic is the source the PostgreSQL trail is written from and checked against; it keeps
 * records long enough to outlast any writer outage (alert well before: kyodo_audit_rows_written_total).
 */
const AUDIT_CONFIG = { 'retention.ms': String(90 * 24 * 3600 * 1000) };

/** How the topics Kyodo creates are configured beyond their defaults; every part optional. */
export interface TopicOptions {
  /** retention.ms of outboxes and the dead-letter topic (default 14 days each). */
  readonly retention?: CopyRetention;
  /**
   * `min.insync.replicas` of the topics Kyodo creates (KYODO_MIN_INSYNC_REPLICAS); left to the broker's
   * default when not given. With acks=all, a write then needs that many replicas in sync.
   */
  readonly minInsyncReplicas?: number;
  /** How long accepted ids are remembered (KYODO_DUPLICATE_WINDOW_HOURS, default 7 days). */
  readonly duplicateWindowMs?: number;
}

/** The topic options a configuration asks for. */
export function topicOptions(config: {
  readonly outboxRetentionMs: number;
  readonly dlqRetentionMs: number;
  readonly duplicateWindowMs: number;
  readonly topicReplication?: { readonly minInsyncReplicas?: number };
}): TopicOptions {
  return {
    retention: { outboxMs: config.outboxRetentionMs, dlqMs: config.dlqRetentionMs },
    minInsyncReplicas: config.topicReplication?.minInsyncReplicas,
    duplicateWindowMs: config.duplicateWindowMs,
  };
}

function withIsr(
  config: Readonly<Record<string, string>>,
  minInsyncReplicas: number | undefined,
): Readonly<Record<string, string>> {
  return minInsyncReplicas === undefined
    ? config
    : { ...config, 'min.insync.replicas': String(minInsyncReplicas) };
}

/** The accepted-ids state outlives the duplicate window by a day, so a restore always sees the whole window. */
export function acceptedIdsConfig(duplicateWindowMs: number): Record<string, string> {
  return { 'cleanup.policy': 'delete', 'retention.ms': String(duplicateWindowMs + 24 * 3600 * 1000) };
}

export function gatewayTopicSpecs(
  topics: Topics,
  partitions: number,
  options: TopicOptions = {},
): TopicSpec[] {
  const retention = options.retention ?? DEFAULT_COPY_RETENTION;
  const isr = options.minInsyncReplicas;
  const dlqConfig = { 'max.message.bytes': DLQ_MAX_BYTES, 'retention.ms': String(retention.dlqMs) };
  const accepted = acceptedIdsConfig(options.duplicateWindowMs ?? 7 * 24 * 3600 * 1000);
  return [
    { name: topics.dlq, partitions, config: withIsr(dlqConfig, isr) },
    { name: topics.audit, partitions, config: withIsr(AUDIT_CONFIG, isr) },
    { name: topics.accepted, partitions, config: withIsr(accepted, isr) },
  ];
}

export function partyTopicSpecs(
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  options: TopicOptions = {},
): TopicSpec[] {
  const retention = options.retention ?? DEFAULT_COPY_RETENTION;
  const isr = options.minInsyncReplicas;
  const outboxConfig = { 'max.message.bytes': OUTBOX_MAX_BYTES, 'retention.ms': String(retention.outboxMs) };
  const specs: TopicSpec[] = [];
  for (const id of partyIds) {
    specs.push({ name: topics.inbox(id), partitions, config: withIsr(INBOX_CONFIG, isr) });
    specs.push({ name: topics.outbox(id), partitions, config: withIsr(outboxConfig, isr) });
  }
  return specs;
}

/** Creates the gateway's own topics and each party's inbox and outbox where missing. */
export async function provisionTopics(
  kafka: KafkaPort,
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  options: TopicOptions = {},
): Promise<string[]> {
  return kafka.ensureTopics([
    ...gatewayTopicSpecs(topics, partitions, options),
    ...partyTopicSpecs(topics, partyIds, partitions, options),
  ]);
}
