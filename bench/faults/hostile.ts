/** Hostile inbound records, each with the rejection reason the contract gives it (or any, where several apply). */
import type { RejectionReason } from '@kyodo/contracts';
import { toRecordValue } from '@kyodo/contracts/testing';
import type { ProducedRecord } from '@kyodo/kafka';
import { reading } from './stage';

export interface HostileRecord {
  readonly record: ProducedRecord;
  readonly reason: RejectionReason | 'any';
}

type Maker = (
  seed: number,
  inbox: string,
) => { key: string | null; value: Buffer; reason: RejectionReason | 'any' };

function eventJson(
  seed: number,
  change: (e: Record<string, unknown>) => void = () => undefined,
): Record<string, unknown> {
  const event = JSON.parse(toRecordValue(reading(seed)).toString('utf8')) as Record<string, unknown>;
  change(event);
  return event;
}

const data = (e: Record<string, unknown>) => e.data as Record<string, unknown>;

const KINDS: Record<string, Maker> = {
  truncated: (seed) => {
    const text = toRecordValue(reading(seed)).toString('utf8');
    return {
      key: null,
      value: Buffer.from(text.slice(0, Math.floor(text.length / 2))),
      reason: 'unparseable',
    };
  },
  invalidUtf8: () => ({
    key: null,
    value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    reason: 'unparseable',
  }),
  notAnObject: () => ({ key: null, value: Buffer.from('[1,2,3]'), reason: 'unparseable' }),
  nan: (seed) => {
    const text = toRecordValue(reading(seed))
      .toString('utf8')
      .replace(/"totalKwh":[0-9.]+/, '"totalKwh":NaN');
    return { key: null, value: Buffer.from(text), reason: 'unparseable' };
  },
  protoKey: (seed) => {
    const e = eventJson(seed, (ev) => (ev.specversion = '0.3'));
    const text = JSON.stringify(e).replace(/^\{/, '{"__proto__":{"polluted":true},');
    return { key: e.subject as string, value: Buffer.from(text), reason: 'not-cloudevent' };
  },
  unknownType: (seed) => {
    const e = eventJson(seed, (ev) => (ev.type = 'jp.kyodo.unknown.v9'));
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'unknown-type' };
  },
  spoofedSource: (seed) => {
    const e = eventJson(seed, (ev) => (ev.source = 'urn:kyodo:party:R0001'));
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'source-mismatch' };
  },
  wrongKey: (seed) => {
    const e = eventJson(seed);
    return { key: '0399999999999999999999', value: Buffer.from(JSON.stringify(e)), reason: 'key-mismatch' };
  },
  impossibleDate: (seed) => {
    const e = eventJson(seed, (ev) => (data(ev).readingDate = '2026-02-30'));
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'out-of-range' };
  },
  negativeKwh: (seed) => {
    const e = eventJson(seed, (ev) => (data(ev).totalKwh = -1));
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'out-of-range' };
  },
  hugeArray: (seed) => {
    const e = eventJson(seed, (ev) => {
      const intervals = data(ev).intervals as unknown[];
      data(ev).intervals = Array.from({ length: 2000 }, (_, i) => intervals[i % intervals.length]);
    });
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'out-of-range' };
  },
  hugeString: (seed) => {
    const e = eventJson(seed, (ev) => (ev.id = 'E'.repeat(200_000)));
    return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'any' };
  },
  deepNesting: (seed) => {
    const e = eventJson(seed);
    const text = JSON.stringify(e).replace(
      '"intervals":[',
      `"intervals":${'['.repeat(3000)}${']'.repeat(3000)},"x":[`,
    );
    return { key: e.subject as string, value: Buffer.from(text), reason: 'any' };
  },
};

/** A value over the contract's 1 MiB limit: rare (each is large), so a fixed few per run. */
function tooLarge(seed: number): { key: string; value: Buffer; reason: RejectionReason } {
  const e = eventJson(seed, (ev) => (data(ev).padding = 'x'.repeat(1024 * 1024 + 10)));
  return { key: e.subject as string, value: Buffer.from(JSON.stringify(e)), reason: 'too-large' };
}

/** `count` hostile records cycling through every kind, plus `large` records over 1 MiB. */
export function hostileRecords(inbox: string, count: number, seedBase: number, large = 3): HostileRecord[] {
  const makers = Object.values(KINDS);
  const out: HostileRecord[] = [];
  for (let i = 0; i < count - large; i++) {
    const made = makers[i % makers.length](seedBase + i, inbox);
    out.push({ record: { topic: inbox, key: made.key, value: made.value }, reason: made.reason });
  }
  for (let i = 0; i < large; i++) {
    const made = tooLarge(seedBase + count + i);
    out.push({ record: { topic: inbox, key: made.key, value: made.value }, reason: made.reason });
  }
  return out;
}
