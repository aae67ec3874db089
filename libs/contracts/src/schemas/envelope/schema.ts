import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NonEmptyString, OpaqueObject } from '../common';

/** `application/json`, `application/<anything>+json`, with optional parameters. */
export const JSON_MEDIA_TYPE_PATTERN = '^application/(?:[A-Za-z0-9!#$&^_.+-]+\\+)?json(?:[ \\t]*;.*)?$';

/** Longest `id` accepted, in characters. */
export const MAX_EVENT_ID_LENGTH = 256;
/** Longest `source` accepted, in characters. */
export const MAX_EVENT_SOURCE_LENGTH = 256;

/**
 * A CloudEvents 1.0 event in structured JSON mode, as the contract uses it: `subject` and `time` are
 * required, `data` is a JSON object. `type`, `source` and `subject` are only shaped here; their meaning
 * (known type, the inbox's own party, a supply point id) is checked by `parseInbound` in that order, so
 * each failure earns its own rejection reason. Extension attributes and other extra members are allowed.
 */
export const CloudEventEnvelopeSchema = Type.Object(
  {
    specversion: Type.Unsafe<'1.0'>({ const: '1.0', description: 'CloudEvents version, always "1.0".' }),
    id: NonEmptyString({
      maxLength: MAX_EVENT_ID_LENGTH,
      description: 'Unique per sender; with `source` it identifies the event.',
    }),
    source: NonEmptyString({
      maxLength: MAX_EVENT_SOURCE_LENGTH,
      format: 'uri-reference',
      description: 'The sending party as `urn:kyodo:party:<partyId>`.',
    }),
    type: NonEmptyString({ description: 'One of the `jp.kyodo.*.v1` event types.' }),
    subject: Type.String({ description: 'The 22-digit supply point id; also the Kafka record key.' }),
    time: DateTime({ description: 'When the occurrence happened (RFC 3339).' }),
    datacontenttype: Type.Optional(
      Type.String({ pattern: JSON_MEDIA_TYPE_PATTERN, description: 'A JSON media type when present.' }),
    ),
    data: OpaqueObject({ description: 'The event payload; its schema depends on `type`.' }),
  },
  { description: 'CloudEvents 1.0, structured JSON mode (application/cloudevents+json).' },
);

export type CloudEventEnvelope = Static<typeof CloudEventEnvelopeSchema>;
