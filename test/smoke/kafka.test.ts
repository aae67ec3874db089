import { randomBytes } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import type { ProducedRecord } from '@kyodo/kafka';
import { collect, testKafka, uniqueId, waitFor } from '../support/harness';

// Smoke test of the broker the suite runs on: CloudEvents through a topic with the transactional
// pipeline, read back with read_committed; an aborted transaction's records are never visible.
describe('Kafka smoke test (real broker)', () => {
  const kafka = testKafka();
  const prefix = `smoke${uniqueId()}`;
  const input = `${prefix}.input`;
  const output = `${prefix}.output`;

  afterAll(async () => {
    await kafka.deleteTopics([input, output]).catch(() => undefined);
    await kafka.close();
  });

  it('commits outputs and offsets in one transaction, and hides an aborted one from read_committed readers', async () => {
    await kafka.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const events = [1, 2, 3].map(
      (n) =>
        new CloudEvent({
          id: `smoke-${n}`,
          source: 'urn:kyodo:party:R0001',
          type: 'jp.kyodo.meter-reading.v1',
          subject: `03000000000000000000${String(n).padStart(2, '0')}`,
          datacontenttype: 'application/json',
          data: { totalKwh: n },
        }),
    );
    const producer = await kafka.createProducer();
    await producer.send(
      events.map((e) => ({ topic: input, key: e.subject ?? null, value: JSON.stringify(e) })),
    );
    await producer.disconnect();

    let attempts = 0;
    const pipeline = kafka.createTransactionalPipeline({
      groupId: `${prefix}-group`,
      transactionalId: `${prefix}-tx`,
      topics: [input],
      process: (batch) => {
        attempts += 1;
        const out: ProducedRecord[] = batch.records.map((r) => {
          const event = new CloudEvent(JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>);
          return {
            topic: output,
            key: event.subject ?? null,
            value: JSON.stringify(event.cloneWith({ source: 'urn:kyodo:gateway' })),
          };
        });
        // The first attempt also writes a record the broker refuses (too large, and incompressible, since
        // the pipeline compresses): the whole transaction aborts.
        if (attempts === 1) out.push({ topic: output, key: 'x', value: randomBytes(2 * 1024 * 1024) });
        return out;
      },
    });
    await pipeline.start();
    const reader = await collect(kafka, [output]);
    try {
      await waitFor(() => reader.records.length >= 3, { what: '3 committed outputs' });
      await pipeline.stop();
      // A sentinel written after the pipeline stopped: once the reader sees it, it has seen everything before it.
      const sentinel = await kafka.createProducer();
      await sentinel.send([{ topic: output, key: 'sentinel', value: 'sentinel' }]);
      await sentinel.disconnect();
      await waitFor(() => reader.records.some((r) => r.key?.toString() === 'sentinel'), {
        what: 'the sentinel',
      });

      expect(attempts).toBeGreaterThanOrEqual(2);
      const received = reader.records
        .filter((r) => r.key?.toString() !== 'sentinel')
        .map((r) => new CloudEvent(JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>));
      expect(received.map((e) => e.id)).toEqual(['smoke-1', 'smoke-2', 'smoke-3']);
      expect(received.every((e) => e.source === 'urn:kyodo:gateway' && e.specversion === '1.0')).toBe(true);
    } finally {
      await pipeline.stop();
      await reader.stop();
    }
  });
});
