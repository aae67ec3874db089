import './node20';
import type { Message, MessageToProduce } from '@platformatic/kafka';
import type { ConsumedRecord, ProducedRecord } from '../port';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** One allocation per record (plus its headers, when it has any). */
export function toConsumed(message: Message): ConsumedRecord {
  let headers = NO_HEADERS;
  if (message.headers.size > 0) {
    const out: Record<string, string> = {};
    for (const [name, value] of message.headers) out[name.toString()] = value.toString();
    headers = out;
  }
  return {
    topic: message.topic,
    partition: message.partition,
    key: message.key ?? null,
    value: message.value ?? null,
    offset: message.offset.toString(),
    timestamp: message.timestamp.toString(),
    headers,
  };
}

/** Values and keys are encoded once, here; the library writes Buffers through as they are. */
export function toProduced(record: ProducedRecord): MessageToProduce {
  const message: MessageToProduce = {
    topic: record.topic,
    key: record.key === null ? undefined : Buffer.from(record.key),
    value: typeof record.value === 'string' ? Buffer.from(record.value) : record.value,
  };
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.headers) message.headers = encodedHeaders(record.headers);
  return message;
}

/**
 * Headers objects are shared (one frozen content-type object for every outbound record, one trace
 * object for all outputs of an input), so each is encoded once, not once per record.
 */
const ENCODED = new WeakMap<object, Map<Buffer, Buffer>>();

function encodedHeaders(headers: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  let encoded = ENCODED.get(headers);
  if (!encoded) {
    encoded = new Map<Buffer, Buffer>();
    for (const [name, value] of Object.entries(headers)) encoded.set(Buffer.from(name), Buffer.from(value));
    ENCODED.set(headers, encoded);
  }
  return encoded;
}
