import {
  createKafkaClient,
  type KafkaPort,
  type PipelineBatch,
  type TransactionalPipeline,
} from '@kyodo/kafka';
import { drained, readTopic, testBrokers, uniqueId, waitFor } from '../support/harness';

// KIP-447 on the real broker: a batch fetched before a rebalance cannot commit afterwards. Instance A
// holds its first batch while B joins the group; once the group has moved on, A's transactional offset
// commit carries a stale generation and is refused, A drops the batch, and every input reaches the
// output exactly once (checked at the high-watermark barrier, so a late duplicate would fail).
//
// The kafkajs adapter sends no generation with its offsets: there the same race commits twice, which
// is why a second kafkajs gateway refuses to start (test/gateway/exactly-once.test.ts).

describe('fencing by consumer group generation (@platformatic/kafka)', () => {
  let kafka: KafkaPort;
  const pipelines: TransactionalPipeline[] = [];

  beforeAll(() => {
    kafka = createKafkaClient({
      client: 'platformatic',
      brokers: testBrokers(),
      clientId: `fence-${uniqueId()}`,
    });
  });

  afterAll(async () => {
    for (const p of pipelines) await p.stop().catch(() => undefined);
    await kafka?.close();
  });

  it('refuses the commit of a batch fetched before a rebalance, and nothing is doubled or lost', async () => {
    const input = `fence-in-${uniqueId()}`;
    const output = `fence-out-${uniqueId()}`;
    const group = `fence-${uniqueId()}`;
    await kafka.ensureTopics([
      { name: input, partitions: 4 },
      { name: output, partitions: 4 },
    ]);
    const producer = await kafka.createProducer();
    const keys = Array.from({ length: 400 }, (_, i) => `key-${i}`);
    await producer.send(keys.map((key) => ({ topic: input, key, value: `value-${key}` })));
    await producer.disconnect();

    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    let held = false;
    const outcomes: string[] = [];
    const copy = (batch: PipelineBatch) =>
      batch.records.map((r) => ({ topic: output, key: r.key!.toString(), value: r.value! }));

    const a = kafka.createTransactionalPipeline({
      groupId: group,
      transactionalId: `${group}.a`,
      topics: [input],
      process: async (batch) => {
        if (!held) {
          held = true;
          await gate;
        }
        return copy(batch);
      },
      onAborted: (_batch, _error, outcome) => outcomes.push(outcome),
    });
    pipelines.push(a);
    await a.start();
    await waitFor(() => held, { what: 'A to hold its first batch' });

    const b = kafka.createTransactionalPipeline({
      groupId: group,
      transactionalId: `${group}.b`,
      topics: [input],
      process: copy,
    });
    pipelines.push(b);
    await b.start();
    // The rebalance is complete once B owns partitions: A's held batch is now of a past generation.
    await waitFor(() => b.assignment().length > 0, {
      timeoutMs: 60_000,
      what: 'B to be assigned partitions',
    });
    release();

    await drained(kafka, group, [input]);
    const copied = (await readTopic(kafka, output)).map((r) => r.key!.toString());
    expect(outcomes).toContain('fenced');
    expect([...copied].sort()).toEqual([...keys].sort());
  });
});
