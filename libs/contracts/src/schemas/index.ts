import type { TObject } from '@sinclair/typebox';
import { EVENT_KINDS, EVENT_TYPES, PARTY_SOURCE_PREFIX, type EventKind } from '../events';
import { SUPPLY_POINT_ID_SCHEMA_PATTERN } from './common';
import { ContractSwitchDataSchema, type ContractSwitchData } from './contract-switch/schema';
import { CloudEventEnvelopeSchema } from './envelope/schema';
import { MeterReadingDataSchema, type MeterReadingData } from './meter-reading/schema';
import { NegawattDataSchema, type NegawattData } from './negawatt/schema';

export { SUPPLY_POINT_ID_SCHEMA_PATTERN, type InvalidFixture } from './common';
export * from './formats';
export * from './envelope/schema';
export * from './contract-switch/schema';
export * from './meter-reading/schema';
export * from './negawatt/schema';
export * from './outbound/schema';
export * from './dead-letter/schema';
export * from './audit-record/schema';

/** The `data` schema of each event type. */
export const DATA_SCHEMAS: Readonly<Record<EventKind, TObject>> = {
  'contract-switch': ContractSwitchDataSchema,
  'meter-reading': MeterReadingDataSchema,
  negawatt: NegawattDataSchema,
};

/** The static type of `data` for each event type. */
export interface EventDataByKind {
  'contract-switch': ContractSwitchData;
  'meter-reading': MeterReadingData;
  negawatt: NegawattData;
}

const PARTY_ID_SCHEMA_PATTERN = '^[A-Z][A-Z0-9]{1,15}$';

/** A plain JSON copy (TypeBox marks its schemas with symbol keys, which JSON drops). */
function plain(schema: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/**
 * One JSON Schema (draft-07) per event type, as plain objects for documentation (AsyncAPI and the like):
 * the envelope with its `type` fixed and `data` replaced by that type's schema. The checks the
 * gateway makes across fields (source names the inbox's party, key/subject/supplyPointId agree,
 * party ids registered with the right role) cannot be said in JSON Schema and are described instead.
 * Each call returns fresh objects.
 */
export function eventJsonSchemas(): Record<EventKind, object> {
  const result = {} as Record<EventKind, object>;
  for (const kind of EVENT_KINDS) {
    const envelope = plain(CloudEventEnvelopeSchema);
    const properties = envelope.properties as Record<string, Record<string, unknown>>;
    result[kind] = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `urn:kyodo:schema:${EVENT_TYPES[kind]}`,
      title: EVENT_TYPES[kind],
      ...envelope,
      description:
        `${String(DATA_SCHEMAS[kind].description)} Sent on kyodo.in.<partyId> keyed by the supply point id; ` +
        '`source` must name that party, and the record key, `subject` and any `supplyPoint.supplyPointId` must agree. ' +
        'Party ids in `data` must be registered with the role their field names. Unknown extra members are allowed ' +
        'and never delivered.',
      properties: {
        ...properties,
        source: {
          ...properties.source,
          pattern: `^${PARTY_SOURCE_PREFIX}${PARTY_ID_SCHEMA_PATTERN.slice(1)}`,
        },
        type: { type: 'string', const: EVENT_TYPES[kind] },
        subject: { ...properties.subject, pattern: SUPPLY_POINT_ID_SCHEMA_PATTERN },
        data: plain(DATA_SCHEMAS[kind]),
      },
    };
  }
  return result;
}
