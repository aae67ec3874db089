/** The three inbound event types and the envelope they travel in (CloudEvents 1.0, structured JSON). */

export const EVENT_TYPES = {
  'contract-switch': 'jp.kyodo.contract-switch.v1',
  'meter-reading': 'jp.kyodo.meter-reading.v1',
  negawatt: 'jp.kyodo.negawatt.v1',
} as const;
export type EventKind = keyof typeof EVENT_TYPES;
export type EventType = (typeof EVENT_TYPES)[EventKind];
export const EVENT_KINDS = Object.keys(EVENT_TYPES) as EventKind[];

export function kindOf(type: string): EventKind | undefined {
  for (const kind of EVENT_KINDS) if (EVENT_TYPES[kind] === type) return kind;
  return undefined;
}

export const PARTY_SOURCE_PREFIX = 'urn:kyodo:party:';
export const GATEWAY_SOURCE = 'urn:kyodo:gateway';
export const SUPPLY_POINT_ID_PATTERN = /^\d{22}$/;
/** Largest inbound record value accepted, in bytes. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** A JSON object as parsed; the policy reads it only through its compiled field masks. */
export type JsonObject = { [key: string]: unknown };

/** An inbound event that passed validation. `data` still holds any unknown extra fields. */
export interface InboundEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: EventType;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype?: string;
  readonly data: JsonObject;
}

/** Where an inbound record came from; kept on every rejection and audit record. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The outbound CloudEvent written to `kyodo.out.<recipient>`. */
export interface OutboundEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: typeof GATEWAY_SOURCE;
  readonly type: EventType;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: JsonObject;
  readonly kyodopurpose: string;
  readonly kyodopolicy: string;
  readonly kyodoaudit: string;
  readonly kyodoorigin: string;
  readonly kyodooriginid: string;
}
