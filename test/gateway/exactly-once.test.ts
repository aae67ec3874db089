import type { InboundEvent, RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { GatewayService as GatewayModuleService } from '../../apps/gateway/src/gateway.service';
import { createTestDatabase, drained, readTopic, testConfig, testKafka } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';

// Exactly once beyond one process: re-sent events are refused as `duplicate` (also by a restarted
// gateway, which restores its memory from the state topic), and two gateways never share an instance.
// Every check ends on a barrier: the gateway group has committed the inboxes' high watermarks.

const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
  ],
  enrollments: [],
  consents: [],
};

function readings(from: number, count: number): InboundEvent[] {
  return Array.from({ length: count }, (_, i) =>
    factory.meterReading({ area: '03', seed: 900_000 + from + i }),
  );
}

function records(config: KyodoConfig, events: readonly InboundEvent[]): ProducedRecord[] {
  return events.map((event) => ({
    topic: `${config.topicPrefix}.in.TD03`,
    key: event.subject,
    value: toRecordValue(event),
  }));
}

describe('duplicate input', () => {
  let config: KyodoConfig;
  let kafka: KafkaPort;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url, partitionsPerTopic: 3 });
    kafka = testKafka();
    await importRegistry(config, kafka, REGISTRY);
  });

  afterAll(async () => {
    await kafka?.close();
    await db?.drop();
  });

  it('delivers a re-sent event once and rejects every copy as duplicate, across a restart', async () => {
    const producer = await kafka.createProducer();
    const group = `${config.topicPrefix}.gateway`;
    const inbox = `${config.topicPrefix}.in.TD03`;
    const first = readings(0, 150);
    const later = readings(150, 50);
    try {
      let kyodo = await startKyodo(config, [GatewayModule]);
      await producer.send(records(config, first));
      await producer.send(records(config, first)); // every event sent twice
      await drained(kafka, group, [inbox]);
      await kyodo.stop();

      // A new gateway process knows the ids only through the state topic.
      kyodo = await startKyodo(config, [GatewayModule]);
      await producer.send(records(config, [...first.slice(0, 60), ...later, ...first.slice(100, 110)]));
      await drained(kafka, group, [inbox]);
      await kyodo.stop();
    } finally {
      await producer.disconnect();
    }

    const delivered = await readTopic(kafka, `${config.topicPrefix}.out.R0001`);
    const origins = delivered.map(
      (r) => (JSON.parse(r.value!.toString()) as { kyodooriginid: string }).kyodooriginid,
    );
    const expected = [...first, ...later].map((e) => e.id).sort();
    expect([...origins].sort()).toEqual(expected); // each exactly once: a late duplicate would fail here

    const dead = (await readTopic(kafka, `${config.topicPrefix}.dlq`)).map(
      (r) => JSON.parse(r.value!.toString()) as { reason: string },
    );
    expect(dead.map((d) => d.reason)).toEqual(Array(150 + 60 + 10).fill('duplicate'));
  });
});

describe('instances', () => {
  let db: { url: string; drop: () => Promise<void> };
  let kafka: KafkaPort;

  beforeAll(async () => {
    db = await createTestDatabase();
    kafka = testKafka();
  });

  afterAll(async () => {
    await kafka?.close();
    await db?.drop();
  });

  it('gives two gateways on the fencing client two instance ids, and refuses a second holder of one', async () => {
    const config = testConfig({ databaseUrl: db.url, kafkaClient: 'platformatic' });
    await importRegistry(config, kafka, REGISTRY);
    const a = await startKyodo(config, [GatewayModule]);
    const b = await startKyodo(config, [GatewayModule]);
    try {
      const ids = [a, b].map((k) => k.app.get(GatewayModuleService).status()?.instanceId);
      expect(ids.sort()).toEqual(['0', '1']);
      await expect(startKyodo({ ...config, instanceId: '1' }, [GatewayModule])).rejects.toThrow(
        /another running gateway holds KYODO_INSTANCE_ID=1/,
      );
    } finally {
      await b.stop();
      await a.stop();
    }
    // The slot of a stopped instance is free again.
    const c = await startKyodo({ ...config, instanceId: '1' }, [GatewayModule]);
    expect(c.app.get(GatewayModuleService).status()?.instanceId).toBe('1');
    await c.stop();
  });

  it('refuses a second gateway on the kafkajs client, which cannot fence one, and says why', async () => {
    const config = testConfig({ databaseUrl: db.url, kafkaClient: 'kafkajs' });
    await importRegistry(config, kafka, REGISTRY);
    const a = await startKyodo(config, [GatewayModule]);
    try {
      await expect(startKyodo(config, [GatewayModule])).rejects.toThrow(
        /kafkajs Kafka client cannot fence a second instance/,
      );
    } finally {
      await a.stop();
    }
  });
});
