import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { topicsFor, type JsonObject } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type InboundRecord, type OutputRecord } from '@kyodo/routing';
import { buildAsyncApiDocument } from './asyncapi';

// The documented schemas must describe what the gateway really writes: real outputs of the router
// (deliveries of every event type, a dead letter, audit records) are validated against them, and
// every member they carry must be documented.

const topics = topicsFor('kyodo');
const registry = factory.registry({
  enrollments: [
    { aggregatorId: 'DR001', supplyPointId: '0300000000000000000001', from: '2026-01-01', to: '2027-12-31' },
  ],
});

function record(event: JsonObject, offset: string, sender: string): InboundRecord {
  return {
    topic: topics.inbox(sender),
    partition: 0,
    offset,
    key: Buffer.from(String(event.subject)),
    value: toRecordValue(event),
  };
}

function outputs(): OutputRecord[] {
  const sp = '0300000000000000000001';
  const events: [JsonObject, string][] = [
    [
      factory.contractSwitch({ seed: 1, supplyPointId: sp, sender: 'R0001' }) as unknown as JsonObject,
      'R0001',
    ],
    [
      factory.meterReading({
        seed: 2,
        supplyPointId: sp,
        sender: 'TD03',
        retailerId: 'R0001',
      }) as unknown as JsonObject,
      'TD03',
    ],
    [factory.negawatt({ seed: 3, supplyPointId: sp, sender: 'DR001' }) as unknown as JsonObject, 'DR001'],
    [
      {
        ...factory.meterReading({ seed: 4, supplyPointId: sp, sender: 'TD03' }),
        type: 'jp.kyodo.unknown.v1',
      },
      'TD03',
    ],
  ];
  const out: OutputRecord[] = [];
  const router = new Router({ policy: compilePolicy(loadPolicy()), topics, hmacKey: 'k' });
  router.routeBatch(
    events.map(([event, sender], i) => record(event, String(i), sender)),
    registry,
    out,
  );
  return out;
}

describe('the AsyncAPI schemas describe what the gateway writes', () => {
  const document = buildAsyncApiDocument() as { components: { schemas: Record<string, JsonObject> } };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [name, schema] of Object.entries(document.components.schemas))
    ajv.addSchema(schema, `#/components/schemas/${name}`);
  const validate = (name: string, value: unknown) => {
    const check = ajv.compile({ $ref: `#/components/schemas/${name}` });
    return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
  };
  const out = outputs();

  it('every delivery of every type, and every member of it is documented', () => {
    const deliveries = out.filter((o) => o.topic.startsWith('kyodo.out.'));
    const types = new Set<string>();
    for (const o of deliveries) {
      const event = JSON.parse(o.value) as JsonObject;
      const name = `${String(event.type)
        .replace(/^jp\.kyodo\.|\.v1$/g, '')
        .replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}OutboundEvent`;
      types.add(name);
      expect(validate(name, event)).toEqual([]);
      const documented = Object.keys(document.components.schemas[name].properties as object);
      expect(Object.keys(event).filter((k) => !documented.includes(k))).toEqual([]);
    }
    expect(types.size).toBe(3);
  });

  it('the dead letter and the audit records', () => {
    const letters = out.filter((o) => o.topic === topics.dlq).map((o) => JSON.parse(o.value) as JsonObject);
    const audits = out.filter((o) => o.topic === topics.audit).map((o) => JSON.parse(o.value) as JsonObject);
    expect(letters).toHaveLength(1);
    expect(audits.length).toBeGreaterThan(3);
    for (const [name, values] of [
      ['DeadLetter', letters],
      ['AuditRecord', audits],
    ] as const) {
      const documented = Object.keys(document.components.schemas[name].properties as object);
      for (const value of values) {
        expect(validate(name, value)).toEqual([]);
        expect(Object.keys(value).filter((k) => !documented.includes(k))).toEqual([]);
      }
    }
  });
});
