import fc from 'fast-check';
import { auditRowHash } from './canonical';
import {
  chain,
  GENESIS_HASH,
  verifyChainSync,
  type ChainedAuditRow,
  type ChainFault,
  type ChainHead,
} from './chain';
import type { AuditRecord } from './record';

/*
 * The tamper-evidence promise, over random chains: any single-field edit, any deleted row and any
 * inserted row (forged to fit, with a made-up hash, with a made-up link, or a copy of a real row) is
 * found, and the fault names the tampered row: the edited or inserted row itself, or for a deletion
 * the row after the gap (the recorded head's position when the last row was deleted).
 */

const text = fc.string({ maxLength: 8 });
const nullableText = fc.option(text, { nil: null });
const list = fc.array(text, { maxLength: 3 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

const requiredFields = fc.record({
  id: fc.uuid(),
  time: fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2035-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  eventTime: nullableText,
  inboundTopic: text,
  inboundPartition: fc.integer({ min: 0, max: 50 }),
  inboundOffset: fc.bigInt({ min: 0n, max: 2n ** 40n }).map(String),
  inboundSource: nullableText,
  inboundId: nullableText,
  type: nullableText,
  supplyPointHmac: fc.option(hex64, { nil: null }),
  recipientId: nullableText,
  recipientRole: fc.constantFrom(null, 'retailer', 'tdso', 'occto', 'aggregator', 'third-party'),
  relations: list,
  purposes: list,
  fieldsDelivered: list,
  fieldsWithheld: list,
  policyVersion: text,
  outcome: fc.constantFrom('delivered', 'rejected', 'no-recipient'),
  reason: fc.constantFrom(null, 'unparseable', 'unknown-type'),
  outboundId: fc.option(fc.uuid(), { nil: null }),
});
/** Optional fields (`basis`) are present on some records only, as on rows written before they existed. */
const optionalList = fc.option(list, { nil: undefined });
const record: fc.Arbitrary<AuditRecord> = fc
  .tuple(requiredFields, optionalList)
  .map(([r, basis]): AuditRecord => (basis === undefined ? r : { ...r, basis }));

/** A chain of 1..3 partitions, offsets with gaps, built by `chain` and sorted as it is stored. */
const chainArb = fc
  .array(
    fc.record({ partition: fc.integer({ min: 0, max: 2 }), gap: fc.integer({ min: 1, max: 3 }), record }),
    {
      minLength: 1,
      maxLength: 20,
    },
  )
  .map((items) => {
    const next = new Map<number, number>();
    const inputs = items.map(({ partition, gap, record: r }) => {
      const offset = (next.get(partition) ?? -1) + gap;
      next.set(partition, offset);
      return { chainPartition: partition, chainOffset: String(offset), record: r };
    });
    return chain(inputs);
  });

type Kind = 'text' | 'nullable' | 'int' | 'list' | 'optional-list' | 'offset' | 'hash';
const FIELDS: Record<keyof ChainedAuditRow, Kind> = {
  id: 'text',
  time: 'text',
  eventTime: 'nullable',
  inboundTopic: 'text',
  inboundPartition: 'int',
  inboundOffset: 'offset',
  inboundSource: 'nullable',
  inboundId: 'nullable',
  type: 'nullable',
  supplyPointHmac: 'nullable',
  recipientId: 'nullable',
  recipientRole: 'nullable',
  relations: 'list',
  purposes: 'list',
  fieldsDelivered: 'list',
  fieldsWithheld: 'list',
  policyVersion: 'text',
  outcome: 'text',
  reason: 'nullable',
  outboundId: 'nullable',
  basis: 'optional-list',
  chainPartition: 'int',
  chainOffset: 'offset',
  prevHash: 'hash',
  hash: 'hash',
};
const FIELD_NAMES = Object.keys(FIELDS) as (keyof ChainedAuditRow)[];

const candidates = fc.record({
  text,
  nullable: nullableText,
  int: fc.integer({ min: 0, max: 5 }),
  list,
  // Adding, changing or removing an optional field.
  'optional-list': optionalList,
  offset: fc.integer({ min: 0, max: 80 }).map(String),
  hash: fc.oneof(hex64, fc.constant(GENESIS_HASH)),
});

const edit = fc.record({
  kind: fc.constant('edit' as const),
  at: fc.nat(),
  field: fc.constantFrom(...FIELD_NAMES),
  values: candidates,
  // Some edits swap list order instead of changing content.
  reverse: fc.boolean(),
});
const deletion = fc.record({ kind: fc.constant('delete' as const), at: fc.nat() });
const STYLES = ['forged', 'made-up-hash', 'made-up-link', 'copy'] as const;
const insertion = fc.record({
  kind: fc.constant('insert' as const),
  at: fc.nat(),
  // Insert before the row at `at` of its partition when true, after it otherwise.
  before: fc.boolean(),
  style: fc.constantFrom(...STYLES),
  record,
  copyOf: fc.nat(),
  junk: hex64,
});
const tamper = fc.oneof(edit, deletion, insertion);
type Tamper = typeof tamper extends fc.Arbitrary<infer T> ? T : never;

interface Expected {
  readonly chainPartition: number;
  readonly chainOffset: string;
  readonly id: string | null;
  readonly problems: readonly ChainFault['problem'][];
}

function identity(row: ChainedAuditRow): Pick<Expected, 'chainPartition' | 'chainOffset' | 'id'> {
  return { chainPartition: row.chainPartition, chainOffset: String(row.chainOffset), id: row.id };
}

function rehash(row: ChainedAuditRow): ChainedAuditRow {
  return { ...row, hash: auditRowHash(row, row.chainPartition, row.chainOffset, row.prevHash) };
}

function apply(
  rows: readonly ChainedAuditRow[],
  heads: readonly ChainHead[],
  t: Tamper,
): { rows: ChainedAuditRow[]; expected: Expected } | undefined {
  const i = t.at % rows.length;
  const target = rows[i];
  switch (t.kind) {
    case 'edit': {
      const kind = FIELDS[t.field];
      const old = target[t.field];
      let value: unknown = t.values[kind];
      if (
        (kind === 'list' || kind === 'optional-list') &&
        t.reverse &&
        ((old as string[] | undefined)?.length ?? 0) > 1
      )
        value = [...(old as string[])].reverse();
      if (JSON.stringify(value) === JSON.stringify(old)) return undefined;
      const edited = { ...target, [t.field]: value } as ChainedAuditRow;
      if (value === undefined) delete (edited as Partial<ChainedAuditRow>)[t.field];
      const out = [...rows];
      out[i] = edited;
      return { rows: out, expected: { ...identity(edited), problems: ['edited'] } };
    }
    case 'delete': {
      const out = rows.filter((_, j) => j !== i);
      const next = rows[i + 1];
      if (next && next.chainPartition === target.chainPartition) {
        return { rows: out, expected: { ...identity(next), problems: ['deleted-or-inserted'] } };
      }
      const head = heads.find((h) => h.partition === target.chainPartition)!;
      return {
        rows: out,
        expected: {
          chainPartition: target.chainPartition,
          chainOffset: head.offset,
          id: null,
          problems: ['deleted-or-inserted'],
        },
      };
    }
    case 'insert': {
      // Insert at position `slot` (before rows[slot]); `pred` is the row it follows in its chain.
      const slot = t.before ? i : i + 1;
      const pred = t.before ? rows[i - 1] : target;
      const samePartitionPred = pred && pred.chainPartition === target.chainPartition ? pred : undefined;
      const prevHash = samePartitionPred?.hash ?? GENESIS_HASH;
      const offset = String(samePartitionPred ? BigInt(samePartitionPred.chainOffset) + 1n : 0n);
      const base: ChainedAuditRow = {
        ...t.record,
        chainPartition: target.chainPartition,
        chainOffset: offset,
        prevHash,
        hash: '',
      };
      let forged: ChainedAuditRow;
      let problems: ChainFault['problem'][] = ['deleted-or-inserted'];
      switch (t.style) {
        case 'forged':
          forged = rehash(base);
          break;
        case 'made-up-hash':
          forged = { ...base, hash: t.junk };
          problems = ['edited'];
          break;
        case 'made-up-link':
          if (t.junk === prevHash) return undefined;
          forged = rehash({ ...base, prevHash: t.junk });
          break;
        case 'copy':
          forged = rows[t.copyOf % rows.length];
          break;
      }
      const out = [...rows.slice(0, slot), forged, ...rows.slice(slot)];
      return { rows: out, expected: { ...identity(forged), problems } };
    }
  }
}

describe('hash chain tamper evidence (property)', () => {
  it('accepts every untampered chain', () => {
    fc.assert(
      fc.property(chainArb, ({ rows, heads }) => {
        expect(verifyChainSync(rows, { heads })).toEqual({ ok: true, heads, rows: rows.length });
      }),
      { numRuns: 300 },
    );
  });

  it('finds any single edit, deletion or insertion and names the right row', () => {
    fc.assert(
      fc.property(chainArb, tamper, ({ rows, heads }, t) => {
        const tampered = apply(rows, heads, t);
        if (!tampered) return fc.pre(false);
        const result = verifyChainSync(tampered.rows, { heads });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const { problems, ...where } = tampered.expected;
        expect({ ...result.firstBad, detail: undefined }).toEqual({
          ...where,
          problem: result.firstBad.problem,
          detail: undefined,
        });
        expect(problems).toContain(result.firstBad.problem);
      }),
      { numRuns: 2000 },
    );
  });

  it('still finds it when the rows are read back in stored order (edited positions move)', () => {
    fc.assert(
      fc.property(chainArb, tamper, ({ rows, heads }, t) => {
        const tampered = apply(rows, heads, t);
        if (!tampered) return fc.pre(false);
        const stored = [...tampered.rows].sort(
          (a, b) =>
            a.chainPartition - b.chainPartition ||
            (safeBig(a.chainOffset) < safeBig(b.chainOffset)
              ? -1
              : safeBig(a.chainOffset) > safeBig(b.chainOffset)
                ? 1
                : 0) ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
        expect(verifyChainSync(stored, { heads }).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

function safeBig(value: string): bigint {
  return /^\d+$/.test(value) ? BigInt(value) : -1n;
}
