import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { PARTY_SOURCE_PREFIX, type JsonObject } from './events';
import type { InboundPartial } from './validation';
import { isSupplyPointId } from './validation';
import type { Rejection } from './rejections';
import { isCalendarDate, isRfc3339DateTime } from './schemas/formats';
import { SubjectNoticeDataSchema, type SubjectNoticeData } from './schemas/subject-notice/schema';
import { SubjectNoticeAckDataSchema, type SubjectNoticeAckData } from './schemas/subject-notice-ack/schema';

export * from './schemas/subject-notice/schema';
export * from './schemas/subject-notice-ack/schema';

/**
 * Kyodo's own event types for a customer's correction or deletion request (CONTRACT.md, "Customers'
 * requests and agreements"). They are not shared use of personal data, so they stand apart from the
 * three routed event types: Kyodo alone sends the notice, its recipient alone answers with the ack.
 */
export const NOTICE_TYPES = {
  'subject-notice': 'jp.kyodo.subject-notice.v1',
  'subject-notice-ack': 'jp.kyodo.subject-notice-ack.v1',
} as const;
export type NoticeKind = keyof typeof NOTICE_TYPES;

export function isNoticeType(type: unknown): type is (typeof NOTICE_TYPES)[NoticeKind] {
  return type === NOTICE_TYPES['subject-notice'] || type === NOTICE_TYPES['subject-notice-ack'];
}

interface CompiledSchema {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let compiled: { notice: CompiledSchema; ack: CompiledSchema } | undefined;

function validators(): { notice: CompiledSchema; ack: CompiledSchema } {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ['uri-reference']);
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
  compiled = { notice: ajv.compile(SubjectNoticeDataSchema), ack: ajv.compile(SubjectNoticeAckDataSchema) };
  return compiled;
}

/** Whether `data` is a valid subject notice body (Kyodo checks what it is about to send). */
export function isSubjectNoticeData(data: unknown): data is SubjectNoticeData {
  return validators().notice(data);
}

export type AckParseResult =
  | { readonly ok: true; readonly data: SubjectNoticeAckData; readonly partial: Required<InboundPartial> }
  | { readonly ok: false; readonly rejection: Rejection; readonly partial?: InboundPartial };

/**
 * Reads a record whose envelope `parseInbound` already found valid and whose type is a notice type:
 * only `jp.kyodo.subject-notice-ack.v1` may come from a party; its source must name the inbox's party,
 * its subject be a supply point id equal to the record key, its data `{ noticeId, done: true }`.
 * Messages name the offending input by path and quote no value but the type.
 */
export function parseSubjectNoticeAck(input: {
  readonly value: Buffer;
  readonly key: Buffer | null;
  readonly senderId: string;
}): AckParseResult {
  const event = JSON.parse(input.value.toString('utf8')) as JsonObject;
  const partial: InboundPartial = {
    source: typeof event.source === 'string' ? event.source : undefined,
    id: typeof event.id === 'string' ? event.id : undefined,
    type: typeof event.type === 'string' ? event.type : undefined,
    time: typeof event.time === 'string' && isRfc3339DateTime(event.time) ? event.time : undefined,
    supplyPointId:
      typeof event.subject === 'string' && isSupplyPointId(event.subject) ? event.subject : undefined,
  };
  const fail = (reason: Rejection['reason'], message: string): AckParseResult => ({
    ok: false,
    rejection: { reason, message },
    partial,
  });
  if (event.type !== NOTICE_TYPES['subject-notice-ack']) {
    return fail(
      'sender-not-allowed',
      `only Kyodo sends ${NOTICE_TYPES['subject-notice']}; a party answers one with ${NOTICE_TYPES['subject-notice-ack']}`,
    );
  }
  if (event.source !== `${PARTY_SOURCE_PREFIX}${input.senderId}`) {
    return fail('source-mismatch', `source must be "${PARTY_SOURCE_PREFIX}${input.senderId}"`);
  }
  if (partial.supplyPointId === undefined) {
    return fail('invalid-supply-point', 'subject must be the 22-digit supply point id of the notice');
  }
  if (input.key === null || input.key.toString('utf8') !== event.subject) {
    return fail('key-mismatch', 'record key must equal subject');
  }
  const validate = validators().ack;
  if (!validate(event.data)) {
    const error = validate.errors?.[0];
    const path = `data${error?.instancePath.replace(/\//g, '.') ?? ''}`;
    const what =
      error?.keyword === 'pattern'
        ? 'must be the id of a subject notice as Kyodo issued it'
        : error?.keyword === 'required'
          ? `must have ${String((error.params as { missingProperty?: string }).missingProperty)}`
          : error?.keyword === 'const'
            ? 'must be true'
            : `does not match the schema (${error?.keyword ?? 'unknown'})`;
    return fail('invalid-data', `${path} ${what}`);
  }
  return {
    ok: true,
    data: event.data as SubjectNoticeAckData,
    partial: partial as Required<InboundPartial>,
  };
}

/** One JSON Schema (draft-07) per notice type, for documentation: the envelope is as for the routed types. */
export function noticeJsonSchemas(): Record<NoticeKind, object> {
  const plain = (schema: object) => JSON.parse(JSON.stringify(schema)) as object;
  return {
    'subject-notice': {
      ...plain(SubjectNoticeDataSchema),
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `urn:kyodo:schema:${NOTICE_TYPES['subject-notice']}`,
      title: NOTICE_TYPES['subject-notice'],
      description: `${String(SubjectNoticeDataSchema.description)} The \`data\` of an event on kyodo.out.<partyId>, source urn:kyodo:gateway, subject the supply point id.`,
    },
    'subject-notice-ack': {
      ...plain(SubjectNoticeAckDataSchema),
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `urn:kyodo:schema:${NOTICE_TYPES['subject-notice-ack']}`,
      title: NOTICE_TYPES['subject-notice-ack'],
      description: `${String(SubjectNoticeAckDataSchema.description)} The \`data\` of an event on kyodo.in.<partyId>, subject the notice's supply point id.`,
    },
  };
}
