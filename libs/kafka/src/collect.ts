import type { ConsumedRecord, KafkaPort } from './port';

/** Records read so far, growing in the background, and the way to stop reading. */
export interface Collection {
  readonly records: ConsumedRecord[];
  stop(): Promise<void>;
}

/**
 * Reads `topics` from the beginning with read_committed into an array, in the background, in a
 * consumer group of its own (`groupId`, unique per call). Batches are committed because the Kafka
 * port moves a consumer past a batch only then; the offsets mean nothing to anyone else.
 */
export async function collectRecords(
  kafka: KafkaPort,
  topics: readonly string[],
  groupId: string,
): Promise<Collection> {
  const records: ConsumedRecord[] = [];
  const consumer = await kafka.createConsumer({
    groupId,
    topics,
    fromBeginning: true,
    readCommitted: true,
    handle: async (batch) => {
      for (const r of batch.records) records.push(r);
      await batch.commit();
    },
  });
  return { records, stop: () => consumer.stop() };
}
