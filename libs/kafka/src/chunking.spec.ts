import { CHUNK_UNITS, toRounds } from './chunking';
import type { ProducedRecord } from './port';

const record = (topic: string, units: number): ProducedRecord => ({
  topic,
  key: 'k',
  value: 'x'.repeat(units),
});

describe('toRounds', () => {
  it('keeps every record, in order per topic', () => {
    const records = [record('a', 10), record('b', 10), record('a', 20)];
    const rounds = toRounds(records, (r) => r.value);
    expect(rounds).toHaveLength(1);
    expect(rounds[0].map((t) => [t.topic, t.messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('splits a topic past the chunk size into later rounds, never exceeding it unless one record does', () => {
    const big = Math.floor(CHUNK_UNITS / 3);
    const records = Array.from({ length: 7 }, () => record('a', big));
    const rounds = toRounds(records, (r) => r);
    expect(rounds.flat().flatMap((t) => t.messages)).toEqual(records);
    for (const round of rounds) {
      for (const chunk of round) {
        const units = chunk.messages.reduce((n, r) => n + (r.value as string).length + 1 + 64, 0);
        expect(units).toBeLessThanOrEqual(CHUNK_UNITS);
      }
    }
    expect(rounds.length).toBe(4);
  });

  it('sends a record larger than a chunk alone', () => {
    const rounds = toRounds([record('a', CHUNK_UNITS * 2), record('a', 1)], (r) => r);
    expect(rounds.map((r) => r[0].messages.length)).toEqual([1, 1]);
  });
});
