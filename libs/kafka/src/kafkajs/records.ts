import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, ProducedRecord } from '../port';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function headersOf(headers: IHeaders | undefined): Readonly<Record<string, string>> {
  if (!headers) return NO_HEADERS;
  const names = Object.keys(headers);
  if (names.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/** One allocation per record: it carries its topic and partition, so callers need not copy it. */
export function toRecord(message: KafkaMessage, topic: string, partition: number): ConsumedRecord {
  return {
    topic,
    partition,
    key: message.key,
    value: message.value,
    offset: message.offset,
    timestamp: message.timestamp,
    headers: headersOf(message.headers),
  };
}

export type OutMessage = {
  key: string | null;
  value: string | Buffer;
  partition?: number;
  headers?: Record<string, string>;
};

/** A produced record in kafkajs' shape (an explicit partition, when given, wins over the key). */
export function toMessage(r: ProducedRecord): OutMessage {
  const message: OutMessage = { key: r.key, value: r.value };
  if (r.partition !== undefined) message.partition = r.partition;
  if (r.headers) message.headers = { ...r.headers };
  return message;
}
