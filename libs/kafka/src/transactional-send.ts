import { Partitioners, type Kafka } from 'kafkajs';
import type { ProducedRecord } from './port';

/** Largest request per topic: the broker refuses a record batch over the topic's max.message.bytes. */
const CHUNK_BYTES = 512 * 1024;

type Message = { key: string | null; value: string | Buffer; headers?: Record<string, string> };

/**
 * `KafkaPort.sendInTransaction` on kafkajs: a short-lived transactional producer (idempotent, one
 * request in flight, acks from all in-sync replicas) that sends every record, in chunks of at most
 * 512 KB per topic, then commits; on any failure it aborts and rethrows. Always disconnected after.
 */
export async function sendInTransaction(
  kafka: Kafka,
  transactionalId: string,
  records: readonly ProducedRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 50, maxRetryTime: 2000, retries: 10 },
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    try {
      for (const chunk of chunks(records)) await transaction.send({ acks: -1, ...chunk });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** Records grouped per topic, in their order, cut at CHUNK_BYTES. */
function chunks(records: readonly ProducedRecord[]): { topic: string; messages: Message[] }[] {
  const out: { topic: string; messages: Message[] }[] = [];
  const open = new Map<string, { messages: Message[]; bytes: number }>();
  for (const r of records) {
    const size = (typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.byteLength) + 64;
    let chunk = open.get(r.topic);
    if (!chunk || (chunk.bytes + size > CHUNK_BYTES && chunk.messages.length > 0)) {
      chunk = { messages: [], bytes: 0 };
      open.set(r.topic, chunk);
      out.push({ topic: r.topic, messages: chunk.messages });
    }
    chunk.messages.push(
      r.headers ? { key: r.key, value: r.value, headers: { ...r.headers } } : { key: r.key, value: r.value },
    );
    chunk.bytes += size;
  }
  return out;
}
