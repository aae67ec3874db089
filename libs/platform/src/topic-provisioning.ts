import type { Topics } from '@kyodo/contracts';
import type { KafkaPort, TopicSpec } from '@kyodo/kafka';

/**
 * Inboxes accept records up to 2 MiB so that a value over the contract's 1 MiB limit still reaches the
 * gateway and is rejected with a reason, not refused silently by the broker. The dead-letter topic keeps
 * such a record's original bytes, so it takes more.
 */
const INBOX_CONFIG = { 'max.message.bytes': String(2 * 1024 * 1024) };
/** An outbound event is its input (at most 1 MiB) plus envelope attributes; the router enforces this. */
const OUTBOX_CONFIG = { 'max.message.bytes': String(2 * 1024 * 1024) };
const DLQ_CONFIG = {
  'max.message.bytes': String(8 * 1024 * 1024),
  'retention.ms': String(30 * 24 * 3600 * 1000),
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
  duplicateWindowMs = 7 * 24 * 3600 * 1000,
): TopicSpec[] {
  return [
    { name: topics.dlq, partitions, config: DLQ_CONFIG },
    { name: topics.audit, partitions, config: AUDIT_CONFIG },
    { name: topics.accepted, partitions, config: acceptedIdsConfig(duplicateWindowMs) },
  ];
}

export function partyTopicSpecs(topics: Topics, partyIds: Iterable<string>, partitions: number): TopicSpec[] {
  const specs: TopicSpec[] = [];
  for (const id of partyIds) {
    specs.push({ name: topics.inbox(id), partitions, config: INBOX_CONFIG });
    specs.push({ name: topics.outbox(id), partitions, config: OUTBOX_CONFIG });
  }
  return specs;
}

/** Creates the gateway's own topics and each party's inbox and outbox where missing. */
export async function provisionTopics(
  kafka: KafkaPort,
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
): Promise<string[]> {
  return kafka.ensureTopics([
    ...gatewayTopicSpecs(topics, partitions),
    ...partyTopicSpecs(topics, partyIds, partitions),
  ]);
}
