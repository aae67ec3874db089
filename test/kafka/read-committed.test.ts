import {
  Consumer,
  FetchIsolationLevels,
  Producer,
  compatibilityPartitioner,
  type Message,
} from '@platformatic/kafka';
import { createKafkaClient, type KafkaPort } from '@kyodo/kafka';
import { readTopic, testBrokers, uniqueId, waitFor } from '../support/harness';

// read_committed on @platformatic/kafka, with the filter tools/patches puts in place: an aborted
// transaction larger than one fetch response (its abort marker arrives in a later response) must
// stay invisible, to the partition reader and to a committing consumer alike.

describe('read_committed reads skip aborted transactions (@platformatic/kafka)', () => {
  let kafka: KafkaPort;

  beforeAll(() => {
    kafka = createKafkaClient({
      client: 'platformatic',
      brokers: testBrokers(),
      clientId: `rc-${uniqueId()}`,
    });
  });

  afterAll(async () => {
    await kafka?.close();
  });

  it('shows the committed records only, even when an aborted transaction spans several fetches', async () => {
    const topic = `rc-${uniqueId()}`;
    await kafka.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = new Producer({
      clientId: `rc-${uniqueId()}`,
      bootstrapBrokers: testBrokers(),
      transactionalId: `rc-${uniqueId()}`,
      idempotent: true,
      acks: -1,
      partitioner: compatibilityPartitioner,
    });
    try {
      const payload = Buffer.alloc(4096, 'x');
      const aborted = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      // About 6 MiB: several fetch responses before the abort marker.
      for (let i = 0; i < 6; i++) {
        await aborted.send({
          messages: Array.from({ length: 250 }, (_, j) => ({
            topic,
            key: Buffer.from(`a${i}-${j}`),
            value: payload,
          })),
        });
      }
      await aborted.abort();
      const committed = await producer.beginTransaction();
      await committed.send({ messages: [{ topic, key: Buffer.from('kept'), value: Buffer.from('kept') }] });
      await committed.commit();
    } finally {
      await producer.close(true);
    }

    const read = await readTopic(kafka, topic);
    expect(read.map((r) => r.key?.toString())).toEqual(['kept']);

    // The library directly, with fetches of 64 KiB.
    const small = new Consumer({
      clientId: `rc-${uniqueId()}`,
      bootstrapBrokers: testBrokers(),
      groupId: `rc-${uniqueId()}`,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
      maxBytes: 65_536,
      maxBytesPerPartition: 65_536,
    });
    const keys: string[] = [];
    try {
      const stream = await small.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      stream.on('data', (m: Message) => keys.push(m.key?.toString() ?? ''));
      await waitFor(() => keys.includes('kept'), { what: 'the committed record, in small fetches' });
      await stream.close();
    } finally {
      await small.close(true);
    }
    expect(keys).toEqual(['kept']);

    const seen: string[] = [];
    const consumer = await kafka.createConsumer({
      groupId: `rc-${uniqueId()}`,
      topics: [topic],
      fromBeginning: true,
      readCommitted: true,
      handle: async (batch) => {
        for (const r of batch.records) seen.push(r.key?.toString() ?? '');
        await batch.commit();
      },
    });
    try {
      // The committed record is the last one: once it is seen, everything before it was handed out.
      await waitFor(() => seen.includes('kept'), { what: 'the committed record' });
      expect(seen).toEqual(['kept']);
    } finally {
      await consumer.stop();
    }
  });
});
