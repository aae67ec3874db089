import { CloudEvent, Kafka } from 'cloudevents';
import {
  STRUCTURED_CONTENT_TYPE,
  type InboundEvent,
  type JsonObject,
  type RegistryData,
} from '@kyodo/contracts';
import { factory } from '@kyodo/contracts/testing';
import { loadConfig, type KyodoConfig } from '@kyodo/config';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import type { DeadLetter } from '@kyodo/routing';
import {
  collect,
  createTestDatabase,
  testBrokers,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { JavaCloudEvents, type JavaReadEvent } from '../support/java-cloudevents';
import { importRegistry, startKyodo } from '../support/kyodo';

// Kyodo as the official CloudEvents SDKs see it, on the real broker: the JavaScript SDK's Kafka binding
// and the Java SDK's Kafka serializer and deserializer (tools/cloudevents) read the outboxes and send
// binary-mode input, which must be routed exactly like structured input.

const SP = '0300000000000000000001';
const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
  ],
  enrollments: [{ aggregatorId: 'DR001', supplyPointId: SP, from: '2026-01-01', to: '2027-12-31' }],
  consents: [],
};
/** A meter reading from TD03 goes to the contract retailer and the enrolled aggregator. */
const RECIPIENTS = ['DR001', 'R0001'];

let seed = 100;
function reading(id: string, data: JsonObject = {}): InboundEvent {
  return factory.meterReading({
    seed: (seed += 1),
    id,
    sender: 'TD03',
    supplyPointId: SP,
    retailerId: 'R0001',
    readingDate: '2026-11-26',
    time: '2026-11-26T15:00:00.000Z',
    data,
  });
}

/** The same event as an SDK CloudEvent; the partition key is the supply point id, as the contract keys records. */
function sdkEvent(event: InboundEvent): CloudEvent<JsonObject> {
  return new CloudEvent<JsonObject>({ ...event, datacontenttype: 'application/json', partitionkey: SP });
}

/** A message of the JS SDK's Kafka binding as a record for the Kafka port (headers as text, value as JSON). */
function sdkRecord(topic: string, message: ReturnType<typeof Kafka.binary<JsonObject>>): ProducedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    if (value !== undefined && value !== null) headers[name] = String(value);
  const body: unknown = message.value;
  return {
    topic,
    key: String(message.key),
    value: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  };
}

function headersOf(record: CollectedRecord): Record<string, string> {
  return { ...record.headers };
}

function json(record: CollectedRecord): JsonObject {
  return JSON.parse(record.value!.toString('utf8')) as JsonObject;
}

describe('CloudEvents SDKs on the real broker', () => {
  let config: KyodoConfig;
  let kafka: KafkaPort;
  let dropDb: () => Promise<void>;
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let reader: Awaited<ReturnType<typeof collect>>;
  let java: JavaCloudEvents;

  beforeAll(async () => {
    // First the harness: on a fresh machine Maven fetches the SDK's jars once.
    java = await JavaCloudEvents.prepare(loadConfig().cacheDir, (line) => process.stderr.write(`${line}\n`));
    const db = await createTestDatabase();
    dropDb = db.drop;
    config = testConfig({ databaseUrl: db.url });
    kafka = testKafka();
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config);
    reader = await collect(kafka, [...RECIPIENTS.map((id) => kyodo.topics.outbox(id)), kyodo.topics.dlq]);
  }, 600_000);

  afterAll(async () => {
    await reader?.stop();
    await kyodo?.stop();
    await kafka?.close();
    await dropDb?.();
  });

  const inbox = () => kyodo.topics.inbox('TD03');
  const outboxRecords = () => reader.records.filter((r) => r.topic !== kyodo.topics.dlq);
  const deadLetters = () =>
    reader.records.filter((r) => r.topic === kyodo.topics.dlq).map((r) => json(r) as unknown as DeadLetter);
  const deliveriesOf = (originId: string) =>
    outboxRecords().filter((r) => json(r).kyodooriginid === originId);

  /**
   * Sends a sentinel after `what` (same key, so the same inbox partition, processed after it) and waits
   * until its deliveries are in every recipient's outbox: everything sent before has been routed.
   */
  async function barrier(name: string): Promise<void> {
    const sentinel = reading(`sentinel-${name}`);
    const producer = await kafka.createProducer();
    await producer.send([sdkRecord(inbox(), Kafka.structured(sdkEvent(sentinel)))]);
    await producer.disconnect();
    await waitFor(() => deliveriesOf(sentinel.id).length === RECIPIENTS.length, {
      what: `the ${name} sentinel in every outbox`,
      timeoutMs: 60_000,
    });
  }

  it('JS SDK: binary and structured input are routed alike; every outbox record parses with Kafka.toEvent', async () => {
    const structured = reading('js-structured-1');
    const binary = { ...structured, id: 'js-binary-1' };
    const badStructured = reading('js-bad-structured', { totalKwh: -1 });
    const badBinary = { ...badStructured, id: 'js-bad-binary' };
    const producer = await kafka.createProducer();
    await producer.send([
      sdkRecord(inbox(), Kafka.structured(sdkEvent(structured))),
      sdkRecord(inbox(), Kafka.binary(sdkEvent(binary))),
      sdkRecord(inbox(), Kafka.structured(sdkEvent(badStructured))),
      sdkRecord(inbox(), Kafka.binary(sdkEvent(badBinary))),
    ]);
    await producer.disconnect();
    await barrier('js');

    // Routed alike: the same recipients, purposes and data for the binary twin.
    const summary = (id: string) =>
      deliveriesOf(id)
        .map((r) => {
          const event = json(r);
          return { topic: r.topic, key: r.key?.toString(), purpose: event.kyodopurpose, data: event.data };
        })
        .sort((a, b) => a.topic.localeCompare(b.topic));
    expect(summary(structured.id)).toHaveLength(RECIPIENTS.length);
    expect(summary(binary.id)).toEqual(summary(structured.id));

    // Rejected alike, and the dead letter keeps the original bytes and notes the headers.
    const letters = deadLetters();
    expect(letters).toHaveLength(2);
    const [fromStructured, fromBinary] = [badStructured.id, badBinary.id].map((id) =>
      letters.find((l) => (l.headers?.ce_id ?? (JSON.parse(l.value!) as JsonObject).id) === id),
    );
    expect(fromStructured?.reason).toBe('out-of-range');
    expect(fromBinary?.reason).toBe('out-of-range');
    expect(fromBinary?.message).toContain('binary content mode');
    expect(fromBinary?.headers).toMatchObject({ ce_specversion: '1.0', ce_id: badBinary.id, ce_subject: SP });
    expect(JSON.parse(fromBinary!.value!)).toEqual(badBinary.data);

    // Every outbound record says it is a structured CloudEvent, and the JS SDK reads it.
    const outbound = outboxRecords();
    expect(outbound.length).toBe(3 * RECIPIENTS.length);
    for (const record of outbound) {
      expect(headersOf(record)['content-type']).toBe(STRUCTURED_CONTENT_TYPE);
      const value = record.value!.toString('utf8');
      const message = { key: record.key?.toString(), value, body: value, headers: headersOf(record) };
      const event = Kafka.toEvent(message) as CloudEvent<JsonObject>;
      const sent = json(record);
      expect(event.source).toBe('urn:kyodo:gateway');
      expect(event.id).toBe(sent.id);
      expect(event.subject).toBe(SP);
      expect(event.data).toEqual(sent.data);
      for (const name of ['kyodopurpose', 'kyodopolicy', 'kyodoaudit', 'kyodoorigin', 'kyodooriginid'])
        expect(event[name]).toBe(sent[name]);
      // Without the header the SDK would not know the record for a CloudEvent.
      expect(() => Kafka.toEvent({ ...message, headers: {} })).toThrow('No CloudEvent detected');
    }
  });

  it('Java SDK: binary-mode input from the serializer is routed; the deserializer reads every outbox record', async () => {
    const before = new Map(
      RECIPIENTS.map((id) => [id, outboxRecords().filter((r) => r.topic === kyodo.topics.outbox(id)).length]),
    );
    const good = [reading('java-binary-1'), reading('java-binary-2')];
    const bad = reading('java-bad-binary', { intervals: 'not a list' });
    const sent = await java.send(
      testBrokers(),
      inbox(),
      [...good, bad].map(({ id, source, type, subject, time, data }) => ({
        id,
        source,
        type,
        subject,
        time,
        data,
      })),
    );
    expect(sent).toBe(3);
    await barrier('java');

    for (const event of good) expect(deliveriesOf(event.id)).toHaveLength(RECIPIENTS.length);
    const letter = deadLetters().find((l) => l.headers?.ce_id === bad.id);
    expect(letter).toMatchObject({
      reason: 'invalid-data',
      headers: { ce_specversion: '1.0', ce_type: bad.type },
    });

    // The Java deserializer reads each outbox, up to its end offsets, exactly as Kyodo wrote it.
    for (const recipient of RECIPIENTS) {
      const topic = kyodo.topics.outbox(recipient);
      const written = outboxRecords().filter((r) => r.topic === topic);
      expect(written.length).toBe((before.get(recipient) ?? 0) + good.length + 1);
      const read: JavaReadEvent[] = await java.read(testBrokers(), topic);
      const byId = (events: { id: string }[]) => [...events].sort((a, b) => a.id.localeCompare(b.id));
      expect(byId(read).map((e) => e.id)).toEqual(
        byId(written.map((r) => json(r) as { id: string })).map((e) => e.id),
      );
      for (const event of read) {
        const original = json(written.find((r) => json(r).id === event.id)!);
        expect(event).toMatchObject({
          key: SP,
          specversion: '1.0',
          source: 'urn:kyodo:gateway',
          type: original.type,
          subject: SP,
          datacontenttype: 'application/json',
          extensions: {
            kyodopurpose: original.kyodopurpose,
            kyodopolicy: original.kyodopolicy,
            kyodoaudit: original.kyodoaudit,
            kyodoorigin: original.kyodoorigin,
            kyodooriginid: original.kyodooriginid,
          },
          headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
        });
        expect(event.data).toEqual(original.data);
        expect(new Date(event.time!).toISOString()).toBe(new Date(original.time as string).toISOString());
      }
    }
  });
});
