import type { RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import { createTestDatabase, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import { auditRowCount, openDatabase } from './audit-support';

// Only the gateway writes kyodo.audit, but if an unreadable record ever lands there, the writer must
// log it and carry on: one bad record may not stall the audit of everything behind it.
const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'TD03'),
  enrollments: [],
  consents: [],
};

describe('audit writer and an unreadable audit record', () => {
  const kafka = testKafka();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: KyodoConfig;

  afterAll(async () => {
    await kafka.close();
    await db?.drop();
  });

  it('skips it and keeps writing the records behind it', async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url, partitionsPerTopic: 1 });
    await importRegistry(config, kafka, REGISTRY);
    const kyodo = await startKyodo(config);
    const ds = await openDatabase(db.url);
    try {
      const producer = await kafka.createProducer();
      await producer.send([
        { topic: kyodo.topics.audit, key: 'x', value: 'not an audit record' },
        { topic: kyodo.topics.audit, key: 'y', value: JSON.stringify({ id: 'a', time: 'yesterday' }) },
      ]);
      const reading = factory.meterReading({ seed: 1, area: '03', retailerId: 'R0001', sender: 'TD03' });
      await producer.send([
        { topic: kyodo.topics.inbox('TD03'), key: reading.subject, value: toRecordValue(reading) },
      ]);
      await producer.disconnect();
      // The reading's one delivery (to R0001) is chained behind the two unreadable records.
      await waitFor(async () => (await auditRowCount(ds)) === 1, { what: 'the delivery audit row' });
      const [row] = await ds.query<{ chain_offset: string; recipient_id: string }[]>(
        'SELECT chain_offset, recipient_id FROM audit_record',
      );
      expect(row).toEqual({ chain_offset: '2', recipient_id: 'R0001' });
    } finally {
      await ds.destroy();
      await kyodo.stop();
    }
  });
});
