import type { ProducedRecord } from './port';

/**
 * A client writes all of a request's records for one partition as a single record batch, and the broker
 * refuses a batch larger than the topic's max.message.bytes (1 MiB by default). So records are sent in
 * rounds holding at most CHUNK_UNITS per topic, measured in UTF-16 units of the value plus the key (a
 * conservative stand-in for bytes: the values Kyodo writes are JSON, mostly ASCII).
 */
export const CHUNK_UNITS = 512 * 1024;

/** Groups records into send rounds: each round holds at most one chunk per topic. */
export function toRounds<T>(
  records: readonly ProducedRecord[],
  convert: (record: ProducedRecord) => T,
): { topic: string; messages: T[] }[][] {
  const state = new Map<string, { round: number; units: number; messages: T[] }>();
  const rounds: { topic: string; messages: T[] }[][] = [];
  for (const r of records) {
    const size =
      (typeof r.value === 'string' ? r.value.length : r.value.byteLength) + (r.key?.length ?? 0) + 64;
    let chunk = state.get(r.topic);
    if (!chunk || (chunk.units + size > CHUNK_UNITS && chunk.messages.length > 0)) {
      const round = chunk ? chunk.round + 1 : 0;
      chunk = { round, units: 0, messages: [] };
      state.set(r.topic, chunk);
      (rounds[round] ??= []).push({ topic: r.topic, messages: chunk.messages });
    }
    chunk.messages.push(convert(r));
    chunk.units += size;
  }
  return rounds;
}
