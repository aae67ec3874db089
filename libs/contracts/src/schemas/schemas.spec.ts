import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_KINDS, EVENT_TYPES, type EventKind, type InboundEvent } from '../events';
import { FIELD_CATALOGUE, type FieldNode } from '../fields';
import { factory, inboundRecord } from '../testing';
import { parseInbound } from '../validation';
import type { InvalidFixture } from './common';
import { invalidContractSwitchData, validContractSwitchEvent } from './contract-switch/fixtures';
import { invalidEnvelopes, validEnvelope } from './envelope/fixtures';
import { DATA_SCHEMAS, eventJsonSchemas } from './index';
import { invalidMeterReadingData, validMeterReadingEvent } from './meter-reading/fixtures';
import { invalidNegawattData, validNegawattEvent } from './negawatt/fixtures';

interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
}

/** The field tree a JSON Schema names, in the catalogue's terms. */
function fieldTreeOf(schema: SchemaNode): FieldNode {
  if (schema.type === 'object') {
    if (schema.properties === undefined) return { kind: 'opaque' };
    const fields: Record<string, FieldNode> = {};
    for (const [name, child] of Object.entries(schema.properties)) fields[name] = fieldTreeOf(child);
    return { kind: 'object', fields };
  }
  if (schema.type === 'array') {
    return schema.items === undefined
      ? { kind: 'opaque' }
      : { kind: 'array', items: fieldTreeOf(schema.items) };
  }
  return { kind: 'leaf' };
}

/** Every path in a field tree with its kind: `supplyPoint.meter.meterId leaf`, `intervals[] array`. */
function pathsOf(node: FieldNode, prefix = ''): string[] {
  switch (node.kind) {
    case 'leaf':
    case 'opaque':
      return [`${prefix} ${node.kind}`];
    case 'array':
      return [`${prefix} array`, ...pathsOf(node.items, `${prefix}[]`)];
    case 'object':
      return [
        ...(prefix === '' ? [] : [`${prefix} object`]),
        ...Object.entries(node.fields).flatMap(([name, child]) =>
          pathsOf(child, prefix === '' ? name : `${prefix}.${name}`),
        ),
      ];
  }
}

describe('data schemas and FIELD_CATALOGUE', () => {
  it.each(EVENT_KINDS)('%s: every path the schema names is catalogued, and vice versa', (kind) => {
    const fromSchema = pathsOf(fieldTreeOf(DATA_SCHEMAS[kind] as SchemaNode));
    const fromCatalogue = pathsOf(FIELD_CATALOGUE[kind]);
    expect(fromSchema.filter((path) => !fromCatalogue.includes(path))).toEqual([]);
    expect(fromCatalogue.filter((path) => !fromSchema.includes(path))).toEqual([]);
    expect(fieldTreeOf(DATA_SCHEMAS[kind] as SchemaNode)).toEqual(FIELD_CATALOGUE[kind]);
  });

  it('walks nested objects and arrays (sanity check of the walker)', () => {
    expect(pathsOf(FIELD_CATALOGUE['meter-reading'])).toEqual(
      expect.arrayContaining([
        'intervals array',
        'intervals[] object',
        'intervals[].kwh leaf',
        'customer.contractNumber leaf',
      ]),
    );
    expect(pathsOf(FIELD_CATALOGUE['contract-switch'])).toContain('supplyPoint.meter.multiplier leaf');
    expect(pathsOf(FIELD_CATALOGUE.negawatt)).toContain('negawatt.baseline opaque');
  });

  it('notices a field named on one side only', () => {
    const schema = DATA_SCHEMAS['meter-reading'] as SchemaNode;
    const extended: SchemaNode = {
      ...schema,
      properties: { ...schema.properties, tariff: { type: 'string' } },
    };
    expect(
      pathsOf(fieldTreeOf(extended)).filter((p) => !pathsOf(FIELD_CATALOGUE['meter-reading']).includes(p)),
    ).toEqual(['tariff leaf']);
  });
});

describe('fixtures', () => {
  const cases: [EventKind, InboundEvent, readonly InvalidFixture[]][] = [
    ['contract-switch', validContractSwitchEvent, invalidContractSwitchData],
    ['meter-reading', validMeterReadingEvent, invalidMeterReadingData],
    ['negawatt', validNegawattEvent, invalidNegawattData],
  ];

  describe.each(cases)('%s', (kind, valid, invalid) => {
    it('the valid example is accepted', () => {
      const result = parseInbound(inboundRecord(valid));
      expect(result.ok && result.kind).toBe(kind);
    });

    it.each(invalid.map((fixture) => [fixture.name, fixture] as const))('rejects %s', (_name, fixture) => {
      const result = parseInbound(inboundRecord({ ...valid, data: fixture.value }));
      expect(result.ok ? 'accepted' : result.rejection.reason).toBe(fixture.reason);
      if (!result.ok && fixture.message !== undefined)
        expect(result.rejection.message).toContain(fixture.message);
    });
  });

  describe('envelope', () => {
    it('the valid example is accepted', () => {
      expect(parseInbound(inboundRecord(validEnvelope)).ok).toBe(true);
    });

    it.each(invalidEnvelopes.map((fixture) => [fixture.name, fixture] as const))(
      'rejects %s',
      (_name, fixture) => {
        const result = parseInbound(
          inboundRecord(fixture.value as object, { key: validEnvelope.subject, senderId: 'DR001' }),
        );
        expect(result.ok ? 'accepted' : result.rejection.reason).toBe(fixture.reason);
        if (!result.ok && fixture.message !== undefined)
          expect(result.rejection.message).toContain(fixture.message);
      },
    );
  });
});

function symbolKeysIn(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return (
    Object.getOwnPropertySymbols(value).length +
    Object.values(value as Record<string, unknown>).reduce<number>(
      (sum, child) => sum + symbolKeysIn(child),
      0,
    )
  );
}

describe('eventJsonSchemas', () => {
  const schemas = eventJsonSchemas();
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  const validators = Object.fromEntries(EVENT_KINDS.map((kind) => [kind, ajv.compile(schemas[kind])]));

  it('has one plain JSON object per event type', () => {
    expect(Object.keys(schemas).sort()).toEqual([...EVENT_KINDS].sort());
    for (const kind of EVENT_KINDS) {
      expect(JSON.parse(JSON.stringify(schemas[kind]))).toEqual(schemas[kind]);
      expect(symbolKeysIn(schemas[kind])).toBe(0);
      expect(schemas[kind]).toMatchObject({
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: `urn:kyodo:schema:${EVENT_TYPES[kind]}`,
        title: EVENT_TYPES[kind],
        required: expect.arrayContaining([
          'specversion',
          'id',
          'source',
          'type',
          'subject',
          'time',
          'data',
        ]) as unknown,
        properties: { type: { const: EVENT_TYPES[kind] }, data: { type: 'object' } },
      });
    }
  });

  it('returns fresh objects on each call', () => {
    const first = eventJsonSchemas();
    (first.negawatt as { title: string }).title = 'changed';
    expect(eventJsonSchemas().negawatt).toMatchObject({ title: EVENT_TYPES.negawatt });
  });

  it.each<[EventKind, () => InboundEvent]>([
    ['contract-switch', () => factory.contractSwitch()],
    ['meter-reading', () => factory.meterReading()],
    ['negawatt', () => factory.negawatt()],
  ])('%s: accepts its own events and rejects the others', (kind, make) => {
    const event = make();
    expect(validators[kind](event)).toBe(true);
    for (const other of EVENT_KINDS.filter((k) => k !== kind)) expect(validators[other](event)).toBe(false);
  });

  it('states the contract rules JSON Schema can say', () => {
    const validate = validators['meter-reading'];
    expect(validate(factory.meterReading({ intervals: 50 }))).toBe(true);
    expect(validate(factory.meterReading({ intervals: 51 }))).toBe(false);
    expect(validate(factory.meterReading({ totalKwh: -1 }))).toBe(false);
    expect(validate(factory.meterReading({ data: { readingDate: '2026-02-30' } }))).toBe(false);
    expect(validate(factory.meterReading({ supplyPointId: '1100000000000000000001' }))).toBe(false);
    expect(validate(factory.meterReading({ source: 'urn:kyodo:party:r1' }))).toBe(false);
    expect(validate(factory.meterReading({ data: { extra: { deep: true } }, envelope: { ext: 1 } }))).toBe(
      true,
    );
  });
});
