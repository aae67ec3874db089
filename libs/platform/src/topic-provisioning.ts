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

/** The accepted-ids state outlives the duplicate window by a day, so a restore always sees the whole window. */
export function acceptedIdsConfig(duplicateWindowMs: number): Record<string, string> {
  return { 'cleanup.policy': 'delete', 'retention.ms': String(duplicateWindowMs + 24 * 3600 * 1000) };
}

export function gatewayTopicSpecs(
  topics: Topics,
  partitions: number,
  retention: CopyRetention = DEFAULT_COPY_RETENTION,
  duplicateWindowMs = 7 * 24 * 3600 * 1000,
): TopicSpec[] {
  const dlqConfig = { 'max.message.bytes': DLQ_MAX_BYTES, 'retention.ms': String(retention.dlqMs) };
  return [
    { name: topics.dlq, partitions, config: dlqConfig },
    { name: topics.audit, partitions, config: AUDIT_CONFIG },
    { name: topics.accepted, partitions, config: acceptedIdsConfig(duplicateWindowMs) },
  ];
}

export function partyTopicSpecs(
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  retention: CopyRetention = DEFAULT_COPY_RETENTION,
): TopicSpec[] {
  const outboxConfig = { 'max.message.bytes': OUTBOX_MAX_BYTES, 'retention.ms': String(retention.outboxMs) };
  const specs: TopicSpec[] = [];
  for (const id of partyIds) {
    specs.push({ name: topics.inbox(id), partitions, config: INBOX_CONFIG });
    specs.push({ name: topics.outbox(id), partitions, config: outboxConfig });
  }
  return specs;
}

/** Creates the gateway's own topics and each party's inbox and outbox where missing. */
export async function provisionTopics(
  kafka: KafkaPort,
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  retention: CopyRetention = DEFAULT_COPY_RETENTION,
): Promise<string[]> {
  return kafka.ensureTopics([
    ...gatewayTopicSpecs(topics, partitions, retention),
    ...partyTopicSpecs(topics, partyIds, partitions, retention),
  ]);
}
