import {
  AuditRecordSchema,
  BINARY_ATTRIBUTE_PREFIX,
  DATA_SCHEMAS,
  DeadLetterSchema,
  EVENT_KINDS,
  EVENT_TYPES,
  GATEWAY_SOURCE,
  OUTBOUND_ENVELOPE,
  OutboundExtensionsSchema,
  REJECTION_REASONS,
  RejectionReasonSchema,
  STRUCTURED_CONTENT_TYPE,
  SUPPLY_POINT_ID_SCHEMA_PATTERN,
  NOTICE_TYPES,
  eventJsonSchemas,
  noticeJsonSchemas,
  topicsFor,
  type EventKind,
} from '@kyodo/contracts';

/** The wire contract version this document describes (docs/CONTRACT.md). */
export const CONTRACT_VERSION = '1.1';

type Json = Record<string, unknown>;

const TOPICS = topicsFor('kyodo');
const PARTY_PARAMETER = '{partyId}';
const KAFKA_BINDING_VERSION = '0.5.0';

/** A plain JSON copy: TypeBox marks its schemas with symbol keys, which a document must not carry. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `meter-reading` → `MeterReading`, for component names. */
function pascal(kind: string): string {
  return kind.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());
}

/** The schema with every `required` list dropped, at any depth: a redacted copy may lack any field. */
function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'required') continue;
    copy[key] = key === 'enum' || key === 'const' ? value : withoutRequired(value);
  }
  return copy;
}

function ref(path: string): Json {
  return { $ref: path };
}

const KEY_SCHEMA = {
  type: 'string',
  pattern: SUPPLY_POINT_ID_SCHEMA_PATTERN,
  description: 'The supply point id (22 digits); equal to `subject`.',
};

/** The Kafka record key of a message, as the AsyncAPI Kafka binding states it. */
function keyBinding(key: Json): Json {
  return { kafka: { key, bindingVersion: KAFKA_BINDING_VERSION } };
}

const STRUCTURED_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'content-type': {
      type: 'string',
      const: STRUCTURED_CONTENT_TYPE,
      description: 'Structured content mode (the CloudEvents Kafka protocol binding).',
    },
  },
  required: ['content-type'],
};

const INBOUND_STRUCTURED_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'content-type': {
      type: 'string',
      pattern: '^application/cloudevents\\+json',
      description:
        'Structured content mode. A record without `content-type` and without `ce_*` headers is also read as structured.',
    },
  },
};

/**
 * The headers of a binary-mode event: one `ce_<attribute>` header per envelope attribute (shaped as
 * the attribute is), `content-type` for `datacontenttype`. Built from the event's own schema.
 */
function binaryHeadersSchema(eventSchema: Json): Json {
  const properties = eventSchema.properties as Record<string, Json>;
  const required = new Set(eventSchema.required as string[]);
  const headers: Record<string, Json> = {};
  const requiredHeaders: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    if (name === 'data') continue;
    const header = name === 'datacontenttype' ? 'content-type' : `${BINARY_ATTRIBUTE_PREFIX}${name}`;
    const meaning = typeof schema.description === 'string' ? ` ${schema.description}` : '';
    headers[header] = { ...schema, description: `\`${name}\`:${meaning}` };
    if (required.has(name)) requiredHeaders.push(header);
  }
  return { type: 'object', properties: headers, required: requiredHeaders };
}

/** The outbound event of one type: the envelope as the gateway sets it, the extensions, the redacted data. */
function outboundEventSchema(kind: EventKind, inbound: Json): Json {
  const properties = inbound.properties as Record<string, Json>;
  const extensions = plain(OutboundExtensionsSchema) as unknown as Json;
  const extensionProperties = extensions.properties as Record<string, Json>;
  return {
    title: `${EVENT_TYPES[kind]} (outbound)`,
    type: 'object',
    description:
      `What the gateway delivers on kyodo.out.<partyId>: the inbound \`type\`, \`subject\` and \`time\`, ` +
      `\`source\` ${GATEWAY_SOURCE}, an \`id\` derived from (inbound source, inbound id, recipient) so a ` +
      're-delivery carries the same id, the extension attributes, and `data` holding only the fields the ' +
      "policy allows for the recipient's relations (any of them may be withheld; unknown fields never leave).",
    properties: {
      specversion: properties.specversion,
      id: {
        type: 'string',
        minLength: 1,
        description: 'Deterministic per (inbound source, inbound id, recipient).',
      },
      source: { type: 'string', const: OUTBOUND_ENVELOPE.source },
      type: { type: 'string', const: EVENT_TYPES[kind] },
      subject: properties.subject,
      time: properties.time,
      datacontenttype: { type: 'string', const: OUTBOUND_ENVELOPE.datacontenttype },
      ...extensionProperties,
      data: withoutRequired(plain(DATA_SCHEMAS[kind])),
    },
    required: [
      'specversion',
      'id',
      'source',
      'type',
      'subject',
      'time',
      'datacontenttype',
      ...(extensions.required as string[]),
      'data',
    ],
  };
}

function rejectionReasonsMarkdown(): string {
  return Object.entries(REJECTION_REASONS)
    .map(([reason, meaning]) => `- \`${reason}\`: ${meaning}`)
    .join('\n');
}

/**
 * The AsyncAPI 3 document of every topic Kyodo reads or writes, built from the contract's schemas:
 * each event type of `DATA_SCHEMAS` on the inboxes (structured and binary content mode) and the
 * outboxes, the dead-letter topic with the rejection reasons, and the audit topic. Deterministic, so
 * the committed `docs/asyncapi.yaml` can be compared with a fresh build.
 */
export function buildAsyncApiDocument(): Json {
  const eventSchemas = eventJsonSchemas();
  const schemas: Record<string, unknown> = {};
  const messages: Record<string, Json> = {};
  const inboxMessages: Record<string, Json> = {};
  const outboxMessages: Record<string, Json> = {};

  for (const kind of EVENT_KINDS) {
    const name = pascal(kind);
    const { $schema: _schema, $id: _id, ...event } = eventSchemas[kind] as Json;
    const type = EVENT_TYPES[kind];
    schemas[`${name}Data`] = plain(DATA_SCHEMAS[kind]);
    schemas[`${name}Event`] = event;
    schemas[`${name}OutboundEvent`] = outboundEventSchema(kind, event);

    messages[`${name}Inbound`] = {
      name: `${name}Inbound`,
      title: `${type}, structured content mode`,
      summary: `A ${type} event as a party sends it: the whole CloudEvent as JSON in the record value.`,
      contentType: 'application/cloudevents+json',
      headers: INBOUND_STRUCTURED_HEADERS_SCHEMA,
      payload: ref(`#/components/schemas/${name}Event`),
      bindings: keyBinding(KEY_SCHEMA),
    };
    messages[`${name}InboundBinary`] = {
      name: `${name}InboundBinary`,
      title: `${type}, binary content mode`,
      summary:
        `A ${type} event as the CloudEvents SDKs send it by default: attributes in ce_* headers, ` +
        '`data` alone as the record value. Validated exactly like structured mode.',
      contentType: 'application/json',
      headers: binaryHeadersSchema(event),
      payload: ref(`#/components/schemas/${name}Data`),
      bindings: keyBinding(KEY_SCHEMA),
    };
    messages[`${name}Outbound`] = {
      name: `${name}Outbound`,
      title: `${type}, delivered`,
      summary: `A ${type} event as the gateway delivers it to one recipient, redacted by the policy.`,
      contentType: 'application/cloudevents+json',
      headers: STRUCTURED_HEADERS_SCHEMA,
      payload: ref(`#/components/schemas/${name}OutboundEvent`),
      bindings: keyBinding(KEY_SCHEMA),
    };
    inboxMessages[`${name}Inbound`] = ref(`#/components/messages/${name}Inbound`);
    inboxMessages[`${name}InboundBinary`] = ref(`#/components/messages/${name}InboundBinary`);
    outboxMessages[`${name}Outbound`] = ref(`#/components/messages/${name}Outbound`);
  }

  // Kyodo's own notice types (contract v1.1, customers' requests): the notice is delivered on the
  // outbox like any event; its acknowledgement comes back on the recipient's inbox.
  const notices = noticeJsonSchemas();
  const noticeEnvelope = (type: string, source: Json, data: string): Json => ({
    type: 'object',
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: { type: 'string', minLength: 1 },
      source,
      type: { type: 'string', const: type },
      subject: { type: 'string', pattern: SUPPLY_POINT_ID_SCHEMA_PATTERN },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { type: 'string', const: 'application/json' },
      data: ref(`#/components/schemas/${data}`),
    },
    required: ['specversion', 'id', 'source', 'type', 'subject', 'data'],
  });
  for (const [kind, name, direction] of [
    ['subject-notice', 'SubjectNotice', 'outbound'],
    ['subject-notice-ack', 'SubjectNoticeAck', 'inbound'],
  ] as const) {
    const { $schema: _schema, $id: _id, ...data } = notices[kind] as Json;
    const type = NOTICE_TYPES[kind];
    schemas[`${name}Data`] = data;
    schemas[`${name}Event`] = noticeEnvelope(
      type,
      direction === 'outbound'
        ? { type: 'string', const: GATEWAY_SOURCE }
        : { type: 'string', pattern: '^urn:kyodo:party:[A-Z][A-Z0-9]{1,15}$' },
      `${name}Data`,
    );
    const message = direction === 'outbound' ? `${name}Outbound` : `${name}Inbound`;
    messages[message] = {
      name: message,
      title: direction === 'outbound' ? `${type}, delivered` : `${type}, structured content mode`,
      summary:
        direction === 'outbound'
          ? "A customer's correction or deletion request, passed on to a party that received their data."
          : "A recipient's acknowledgement of a subject notice; delivered to nobody, recorded in the audit.",
      contentType: 'application/cloudevents+json',
      headers: direction === 'outbound' ? STRUCTURED_HEADERS_SCHEMA : INBOUND_STRUCTURED_HEADERS_SCHEMA,
      payload: ref(`#/components/schemas/${name}Event`),
      bindings: keyBinding(KEY_SCHEMA),
    };
    (direction === 'outbound' ? outboxMessages : inboxMessages)[message] = ref(
      `#/components/messages/${message}`,
    );
  }

  schemas.RejectionReason = plain(RejectionReasonSchema);
  schemas.DeadLetter = {
    ...plain(DeadLetterSchema),
    properties: {
      ...plain(DeadLetterSchema).properties,
      reason: ref('#/components/schemas/RejectionReason'),
    },
  };
  schemas.AuditRecord = plain(AuditRecordSchema);
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: 'Rejected inbound record',
    summary:
      'A record the gateway will not deliver, with the reason, the original bytes and where it came from.',
    description: `Reasons:\n\n${rejectionReasonsMarkdown()}`,
    contentType: 'application/json',
    payload: ref('#/components/schemas/DeadLetter'),
    bindings: keyBinding({
      type: ['string', 'null'],
      description: 'The original key when it is valid UTF-8, otherwise none.',
    }),
  };
  messages.AuditRecord = {
    name: 'AuditRecord',
    title: 'Audit record',
    summary: 'One decision of the gateway, written in the same Kafka transaction as the output it describes.',
    contentType: 'application/json',
    payload: ref('#/components/schemas/AuditRecord'),
    bindings: keyBinding({
      type: 'string',
      description:
        "The supply point's HMAC (so one supply point's trail is one chain), or the inbound topic when there is none.",
    }),
  };

  const parameters = {
    partyId: {
      description: 'A party id (`^[A-Z][A-Z0-9]{1,15}$`), as registered with `kyodo registry import`.',
      examples: ['R0001', 'TD03', 'OCCTO', 'DR001', 'TP001'],
    },
  };

  return {
    asyncapi: '3.0.0',
    id: 'urn:kyodo:gateway',
    info: {
      title: 'Kyodo gateway',
      version: CONTRACT_VERSION,
      description:
        "The Kafka topics of the Kyodo gateway, which routes electricity operators' customer data between " +
        'parties, each recipient receiving only the fields the policy allows, and records every decision in ' +
        'an audit trail. Topic names use the default prefix `kyodo` (`KYODO_TOPIC_PREFIX` replaces it). ' +
        "Consumers of gateway output read with `isolation.level=read_committed`. Generated from the contract's " +
        'schemas by `npm run docs:generate`; docs/CONTRACT.md is the prose contract.\n\n' +
        `Rejection reasons on ${TOPICS.dlq}:\n\n${rejectionReasonsMarkdown()}`,
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The local broker of `kyodo infra up`; set `KAFKA_BROKERS` for another cluster.',
      },
    },
    channels: {
      inbox: {
        address: TOPICS.inbox(PARTY_PARAMETER),
        title: "A party's inbox",
        description:
          'What one party sends; only that party may write it, so the topic proves the sender. Key: the supply point id.',
        parameters,
        messages: inboxMessages,
      },
      outbox: {
        address: TOPICS.outbox(PARTY_PARAMETER),
        title: "A party's outbox",
        description:
          'What the gateway delivers to one party; only that party may read it. Key: the supply point id.',
        parameters,
        messages: outboxMessages,
      },
      deadLetters: {
        address: TOPICS.dlq,
        title: 'Dead letters',
        description: 'Rejected input, with the reason; never delivered.',
        messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
      },
      audit: {
        address: TOPICS.audit,
        title: 'Audit',
        description: 'One record per decision, in the transaction of the output it describes.',
        messages: { AuditRecord: ref('#/components/messages/AuditRecord') },
      },
    },
    operations: {
      receiveInboundEvent: {
        action: 'receive',
        title: 'The gateway reads every inbox',
        channel: ref('#/channels/inbox'),
        messages: Object.keys(inboxMessages).map((name) => ref(`#/channels/inbox/messages/${name}`)),
      },
      sendOutboundEvent: {
        action: 'send',
        title: 'The gateway delivers to each related party',
        channel: ref('#/channels/outbox'),
        messages: Object.keys(outboxMessages).map((name) => ref(`#/channels/outbox/messages/${name}`)),
      },
      sendDeadLetter: {
        action: 'send',
        title: 'The gateway sets a rejected record aside',
        channel: ref('#/channels/deadLetters'),
        messages: [ref('#/channels/deadLetters/messages/DeadLetter')],
      },
      sendAuditRecord: {
        action: 'send',
        title: 'The gateway records each decision',
        channel: ref('#/channels/audit'),
        messages: [ref('#/channels/audit/messages/AuditRecord')],
      },
    },
    components: { schemas, messages },
  };
}
