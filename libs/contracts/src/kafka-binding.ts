/**
 * The CloudEvents Kafka protocol binding, as far as Kyodo speaks it.
 *
 * Kyodo writes every CloudEvent in structured content mode: the whole event as JSON in the record
 * value, with a `content-type` header that tells SDK consumers so. It reads both structured mode and
 * binary content mode (attributes in `ce_*` headers, `data` alone as the value), which the CloudEvents
 * SDKs send by default.
 */

/** The `content-type` of a structured-mode CloudEvent in JSON. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/**
 * The headers of every structured-mode record Kyodo writes. One frozen object shared by all records,
 * so setting it costs nothing per record.
 */
export const STRUCTURED_EVENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': STRUCTURED_CONTENT_TYPE,
});

/** Headers of a consumed record, by name (as the Kafka port gives them). */
export type RecordHeaders = Readonly<Record<string, string | undefined>>;

/** Prefix of the headers that carry CloudEvents attributes in binary content mode. */
export const BINARY_ATTRIBUTE_PREFIX = 'ce_';
const SPECVERSION_HEADER = 'ce_specversion';
const CONTENT_TYPE_HEADER = 'content-type';
/** `application/cloudevents`, `application/cloudevents+json`, … mark structured (or batch) mode. */
const CLOUDEVENTS_MEDIA_TYPE = 'application/cloudevents';

/**
 * The binding's rule: a `content-type` starting with `application/cloudevents` means structured mode;
 * otherwise `ce_*` headers mean binary mode (`ce_specversion` among them, or the event lacks it and is
 * rejected as such). A record with neither is read as structured, as Kyodo always has (contract v1
 * named no header).
 */
export function isBinaryMode(headers: RecordHeaders | undefined): boolean {
  if (headers === undefined || !hasAttributeHeader(headers)) return false;
  const contentType = headers[CONTENT_TYPE_HEADER];
  return contentType === undefined || !contentType.toLowerCase().startsWith(CLOUDEVENTS_MEDIA_TYPE);
}

function hasAttributeHeader(headers: RecordHeaders): boolean {
  if (headers[SPECVERSION_HEADER] !== undefined) return true;
  for (const name in headers) if (name.startsWith(BINARY_ATTRIBUTE_PREFIX)) return true;
  return false;
}

/**
 * The event a binary-mode record stands for, shaped like a structured one so that both are validated
 * alike: each `ce_<name>` header becomes attribute `<name>`, `content-type` becomes `datacontenttype`,
 * and `data` is the parsed value (absent when the record has no value).
 */
export function binaryModeEvent(headers: RecordHeaders, data: unknown): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || !name.startsWith(BINARY_ATTRIBUTE_PREFIX)) continue;
    const attribute = name.slice(BINARY_ATTRIBUTE_PREFIX.length);
    // `data` travels only as the value; a `__proto__` header must not reach the prototype.
    if (attribute === 'data' || attribute === '__proto__') continue;
    event[attribute] = value;
  }
  const contentType = headers[CONTENT_TYPE_HEADER];
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (data !== undefined) event.data = data;
  return event;
}
