import './node20';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  Reader,
  createRecord,
  createRecordsBatch,
  readRecordsBatch,
  type MessageRecord,
  type CreateRecordsBatchOptions,
} from '@platformatic/kafka';

// tools/patches/platformatic-kafka-record-encoding.js writes a batch's records into one Buffer. It must
// write exactly what the library's own per-record path (createRecord) writes.

/** Fixed part of a v2 record batch, before its records. */
const BATCH_HEADER_BYTES = 61;

const bytes = fc.option(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  { nil: undefined },
);
const message = fc.record({
  key: bytes,
  value: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  headers: fc.option(
    fc
      .array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 })), { maxLength: 4 })
      .map((pairs) => new Map(pairs.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]))),
    { nil: undefined },
  ),
  timestamp: fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }),
});

function asProduced(m: {
  key?: Buffer;
  value: Buffer;
  headers?: Map<Buffer, Buffer>;
  timestamp?: bigint;
}): MessageRecord {
  const out: MessageRecord = { topic: 't', value: m.value };
  if (m.key !== undefined) out.key = m.key;
  if (m.headers !== undefined) out.headers = m.headers;
  // Timestamps as the producer leaves them: all the same batch's time, or one the caller chose.
  if (m.timestamp !== undefined) out.timestamp = 1_700_000_000_000n + m.timestamp;
  return out;
}

function batchOptions(compression: 'none' | 'lz4'): CreateRecordsBatchOptions {
  return { compression } as CreateRecordsBatchOptions;
}

describe('record encoding (patched @platformatic/kafka)', () => {
  it('is installed', () => {
    const file = join(require.resolve('@platformatic/kafka'), '..', 'protocol', 'records.js');
    expect(readFileSync(file, 'utf8')).toContain('kyodo: records in one buffer');
  });

  it('writes byte for byte what the library writes record by record (property)', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (input) => {
        const messages = input.map(asProduced);
        const batch = createRecordsBatch(messages, batchOptions('none')).buffer;
        // createRecordsBatch has set each message's timestamp; the reference uses the same ones.
        const first = messages[0].timestamp as bigint;
        const reference = Buffer.concat(messages.map((m, i) => createRecord(m, i, first).buffer));
        expect(batch.subarray(BATCH_HEADER_BYTES).equals(reference)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads back as written, compressed too', () => {
    const messages = Array.from({ length: 50 }, (_, i) =>
      asProduced({
        key: i % 7 === 0 ? undefined : Buffer.from(`key-${i}`),
        value: Buffer.from(JSON.stringify({ i, text: 'é'.repeat(i * 20) })),
        headers: i % 2 ? new Map([[Buffer.from('traceparent'), Buffer.from(`00-${i}`)]]) : undefined,
      }),
    );
    for (const compression of ['none', 'lz4'] as const) {
      const batch = readRecordsBatch(
        Reader.from(createRecordsBatch(messages, batchOptions(compression)).buffer),
      );
      expect(batch.records.map((r) => r.value!.toString())).toEqual(messages.map((m) => m.value.toString()));
      expect(batch.records.map((r) => r.key?.toString() ?? null)).toEqual(
        messages.map((m) => m.key?.toString() ?? null),
      );
      expect(batch.records[1].headers.map(([k, v]) => `${k!.toString()}=${v!.toString()}`)).toEqual([
        'traceparent=00-1',
      ]);
    }
  });
});
