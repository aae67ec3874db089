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

  /** Fresh input and output topics, the input holding `count` keyed records, and a group name. */
  async function seeded(name: string, partitions: number, count: number) {
    const input = `${name}-in-${uniqueId()}`;
    const output = `${name}-out-${uniqueId()}`;
    await kafka.ensureTopics([
      { name: input, partitions },
      { name: output, partitions },
    ]);
    const producer = await kafka.createProducer();
    const keys = Array.from({ length: count }, (_, i) => `key-${i}`);
    await producer.send(keys.map((key) => ({ topic: input, key, value: `value-${key}` })));
    await producer.disconnect();
    return { input, output, group: `${name}-${uniqueId()}`, keys };
  }

  afterAll(async () => {
    for (const p of pipelines) await p.stop().catch(() => undefined);
    await kafka?.close();
  });

  it.each([false, true])(
    'refuses the commit of a batch fetched before a rebalance, and nothing is doubled or lost (overlap: %s)',
    async (overlap) => {
      const { input, output, group, keys } = await seeded('fence', 4, 400);

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
        overlap,
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
        overlap,
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
    },
  );

  it('with overlap, routes the next batch while the previous commits; callbacks keep batch order', async () => {
    const { input, output, group, keys } = await seeded('overlap', 2, 6000);

    const order: PipelineBatch[] = [];
    const events: string[] = [];
    const overlapped: boolean[] = [];
    const pipeline = kafka.createTransactionalPipeline({
      groupId: group,
      transactionalId: `${group}.a`,
      topics: [input],
      overlap: true,
      process: (batch) => {
        const previous = order.at(-1);
        const previousDone = previous === undefined || events.includes(`done ${order.length - 1}`);
        // Handed over while the previous batch was still committing, and told which one that is.
        overlapped.push(!previousDone && batch.committing === previous);
        if (batch.committing !== undefined) expect(batch.committing).toBe(previous);
        order.push(batch);
        return batch.records.map((r) => ({ topic: output, key: r.key!.toString(), value: r.value! }));
      },
      onCommitted: (batch) => events.push(`done ${order.indexOf(batch)}`),
      onAborted: (batch) => events.push(`aborted ${order.indexOf(batch)}`),
    });
    pipelines.push(pipeline);
    await pipeline.start();

    await drained(kafka, group, [input]);
    await pipeline.stop();
    const copied = (await readTopic(kafka, output)).map((r) => r.key!.toString());
    expect([...copied].sort()).toEqual([...keys].sort());
    expect(order.length).toBeGreaterThan(2);
    expect(overlapped.filter(Boolean).length).toBeGreaterThan(0);
    // One callback per batch, in the order the batches were processed.
    expect(events).toEqual(order.map((_, i) => `done ${i}`));
    // The reference is for the processor only; kept, it would chain every batch to its predecessor.
    expect(order.every((b) => b.committing === undefined)).toBe(true);
  });
});
