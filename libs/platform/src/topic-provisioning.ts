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

/**
 * `min.insync.replicas` of the topics Kyodo creates (KYODO_MIN_INSYNC_REPLICAS); left to the broker's
 * default when not given. With acks=all, a write then needs that many replicas in sync.
 */
function withIsr(
  config: Readonly<Record<string, string>>,
  minInsyncReplicas: number | undefined,
): Readonly<Record<string, string>> {
  return minInsyncReplicas === undefined
    ? config
    : { ...config, 'min.insync.replicas': String(minInsyncReplicas) };
}

export function gatewayTopicSpecs(
  topics: Topics,
  partitions: number,
  minInsyncReplicas?: number,
): TopicSpec[] {
  return [
    { name: topics.dlq, partitions, config: withIsr(DLQ_CONFIG, minInsyncReplicas) },
    { name: topics.audit, partitions, config: withIsr(AUDIT_CONFIG, minInsyncReplicas) },
  ];
}

export function partyTopicSpecs(
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  minInsyncReplicas?: number,
): TopicSpec[] {
  const specs: TopicSpec[] = [];
  for (const id of partyIds) {
    specs.push({ name: topics.inbox(id), partitions, config: withIsr(INBOX_CONFIG, minInsyncReplicas) });
    specs.push({ name: topics.outbox(id), partitions, config: withIsr(OUTBOX_CONFIG, minInsyncReplicas) });
  }
  return specs;
}

/** Creates the gateway's own topics and each party's inbox and outbox where missing. */
export async function provisionTopics(
  kafka: KafkaPort,
  topics: Topics,
  partyIds: Iterable<string>,
  partitions: number,
  minInsyncReplicas?: number,
): Promise<string[]> {
  return kafka.ensureTopics([
    ...gatewayTopicSpecs(topics, partitions, minInsyncReplicas),
    ...partyTopicSpecs(topics, partyIds, partitions, minInsyncReplicas),
  ]);
}
