import { Partitioners, type Kafka } from 'kafkajs';
import { toRounds } from './chunking';
import { toMessage } from './kafkajs/records';
import type { ProducedRecord } from './port';

/**
 * `KafkaPort.sendInTransaction` on kafkajs: a short-lived transactional producer (idempotent, one
 * request in flight, acks from all in-sync replicas) that sends every record, in chunks (see chunking.ts), then commits; on any failure it aborts and rethrows. Always disconnected after.
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
      for (const topicMessages of toRounds(records, toMessage))
        await transaction.sendBatch({ acks: -1, topicMessages });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}
