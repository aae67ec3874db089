import {
  AUDIT_RECORD_FIELDS,
  AuditRecordError,
  auditRowHash,
  canonicalEncoding,
  canonicalInstant,
  canonicalOffset,
  normalizeAuditRecord,
  OPTIONAL_AUDIT_RECORD_FIELDS,
  sha256Hex,
} from './canonical';
import type { AuditRecord } from './record';
import { auditRecordFixture } from './testing';

const GENESIS = '0'.repeat(64);

describe('canonicalEncoding', () => {
  it('is the documented JSON array, in the documented order', () => {
    const record = auditRecordFixture();
    expect(canonicalEncoding(record, 1, '7', GENESIS)).toBe(
      JSON.stringify([
        'kyodo-audit-v1',
        1,
        '7',
        GENESIS,
        '0b6c2f9e-8d7a-5c3b-9e1f-2a4d6c8e0f13',
        '2026-11-27T05:00:01.234Z',
        '2026-11-27T05:00:00Z',
        'kyodo.in.R0001',
        0,
        '42',
        'urn:kyodo:party:R0001',
        'evt-1',
        'jp.kyodo.meter-reading.v1',
        'a'.repeat(64),
        'TD03',
        'tdso',
        ['area-tdso'],
        ['td-operations'],
        ['meterId', 'intervals', 'totalKwh'],
        ['customer.contractNumber'],
        '2026-11-01',
        'delivered',
        null,
        '7c0d1e2f-3a4b-5c6d-8e9f-0a1b2c3d4e5f',
      ]),
    );
  });

  it('covers every AuditRecord field exactly once', () => {
    expect([...AUDIT_RECORD_FIELDS].sort()).toEqual(Object.keys(auditRecordFixture()).sort());
    expect(OPTIONAL_AUDIT_RECORD_FIELDS).toEqual(['basis']);
  });

  it('encodes an optional field only when present, after the required ones, so older rows keep their hash', () => {
    const old = auditRecordFixture();
    // The first test pins the encoding of a record without optional fields, as it was before they existed.
    const before = sha256Hex(canonicalEncoding(old, 1, '7', GENESIS));
    expect(auditRowHash({ ...old, basis: undefined }, 1, '7', GENESIS)).toBe(before);
    expect(auditRowHash({ ...old, basis: null } as unknown as AuditRecord, 1, '7', GENESIS)).toBe(before);
    const withBasis = { ...old, basis: ['consent:C1', 'agreement:A1'] };
    expect(canonicalEncoding(withBasis, 1, '7', GENESIS)).toBe(
      `${canonicalEncoding(old, 1, '7', GENESIS).slice(0, -1)},"basis",["consent:C1","agreement:A1"]]`,
    );
    // Present but empty is not absent.
    expect(auditRowHash({ ...old, basis: [] }, 1, '7', GENESIS)).not.toBe(before);
    expect(() =>
      canonicalEncoding({ ...old, basis: 'C1' } as unknown as AuditRecord, 1, '7', GENESIS),
    ).toThrow(AuditRecordError);
  });

  it('ignores properties that are not AuditRecord fields', () => {
    const record = { ...auditRecordFixture(), extra: 'x' } as AuditRecord;
    expect(canonicalEncoding(record, 0, '0', GENESIS)).toBe(
      canonicalEncoding(auditRecordFixture(), 0, '0', GENESIS),
    );
  });

  it('keeps list order (order is meaningful)', () => {
    const a = auditRecordFixture({ purposes: ['switching-agency', 'consignment-contract'] });
    const b = auditRecordFixture({ purposes: ['consignment-contract', 'switching-agency'] });
    expect(canonicalEncoding(a, 0, '0', GENESIS)).not.toBe(canonicalEncoding(b, 0, '0', GENESIS));
  });

  // Pairs that a naive join would encode the same.
  it.each<[string, Partial<AuditRecord>, Partial<AuditRecord>]>([
    ['list split vs comma', { relations: ['a,b'] }, { relations: ['a', 'b'] }],
    ['empty list vs list of empty string', { fieldsWithheld: [] }, { fieldsWithheld: [''] }],
    ['null vs the string "null"', { reason: null }, { reason: 'null' as AuditRecord['reason'] }],
    [
      'text moved between neighbours',
      { inboundSource: 'ab', inboundId: 'c' },
      { inboundSource: 'a', inboundId: 'bc' },
    ],
    ['quote inside text', { inboundId: 'a","b' }, { inboundId: 'a', eventTime: 'b' }],
    ['null vs empty string', { recipientId: null }, { recipientId: '' }],
  ])('tells apart: %s', (_, left, right) => {
    expect(canonicalEncoding(auditRecordFixture(left), 0, '0', GENESIS)).not.toBe(
      canonicalEncoding(auditRecordFixture(right), 0, '0', GENESIS),
    );
  });

  it('changes with the chain position and the previous hash', () => {
    const record = auditRecordFixture();
    const base = canonicalEncoding(record, 0, '1', GENESIS);
    expect(canonicalEncoding(record, 1, '1', GENESIS)).not.toBe(base);
    expect(canonicalEncoding(record, 0, '2', GENESIS)).not.toBe(base);
    expect(canonicalEncoding(record, 0, '1', 'f'.repeat(64))).not.toBe(base);
  });

  it('changes the hash whenever any single field changes', () => {
    const record = auditRecordFixture();
    const base = auditRowHash(record, 0, '0', GENESIS);
    for (const field of AUDIT_RECORD_FIELDS) {
      const value: unknown = record[field];
      const changed =
        typeof value === 'number'
          ? value + 1
          : Array.isArray(value)
            ? [...(value as string[]), 'x']
            : typeof value === 'string'
              ? `${value}x`
              : 'x';
      const edited = { ...record, [field]: changed };
      expect(auditRowHash(edited, 0, '0', GENESIS)).not.toBe(base);
    }
  });

  it('hashes with SHA-256 of the UTF-8 encoding', () => {
    const record = auditRecordFixture({ inboundId: '日本語' });
    expect(auditRowHash(record, 0, '0', GENESIS)).toBe(sha256Hex(canonicalEncoding(record, 0, '0', GENESIS)));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each<[string, Record<string, unknown>]>([
    ['a missing field', { outboundId: undefined }],
    ['a number where text belongs', { inboundOffset: 42 }],
    ['text where a number belongs', { inboundPartition: '0' }],
    ['a fractional number', { inboundPartition: 0.5 }],
    ['a list of non-strings', { relations: [1] }],
    ['text where a list belongs', { purposes: 'td-operations' }],
  ])('refuses %s', (_, override) => {
    const record = { ...auditRecordFixture(), ...override };
    expect(() => canonicalEncoding(record, 0, '0', GENESIS)).toThrow(AuditRecordError);
  });
});

describe('canonicalInstant', () => {
  it.each([
    ['2026-11-27T05:00:00Z', '2026-11-27T05:00:00.000Z'],
    ['2026-11-27T05:00:00.1Z', '2026-11-27T05:00:00.100Z'],
    ['2026-11-27T05:00:01.234Z', '2026-11-27T05:00:01.234Z'],
    ['2026-11-27T05:00:01.234000Z', '2026-11-27T05:00:01.234Z'],
    ['2026-11-27T05:00:01.234567Z', '2026-11-27T05:00:01.234567Z'],
    ['2026-11-27T05:00:01.000001Z', '2026-11-27T05:00:01.000001Z'],
    ['2026-11-27T05:00:01.2345678Z', '2026-11-27T05:00:01.234567Z'],
    ['2026-11-27T14:00:00+09:00', '2026-11-27T05:00:00.000Z'],
    ['2026-11-27T00:30:00-05:30', '2026-11-27T06:00:00.000Z'],
    ['2026-01-01T08:59:59.999+09:00', '2025-12-31T23:59:59.999Z'],
    ['2026-11-27t05:00:00z', '2026-11-27T05:00:00.000Z'],
    ['2026-11-27 05:00:00Z', '2026-11-27T05:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalInstant(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const t of ['2026-11-27T05:00:01.234567Z', '2026-11-27T05:00:00Z']) {
      expect(canonicalInstant(canonicalInstant(t))).toBe(canonicalInstant(t));
    }
  });

  it.each([
    'not a time',
    '2026-11-27',
    '2026-11-27T05:00:00',
    '2026-02-30T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2026-11-27T24:00:00Z',
    '2026-11-27T23:59:60Z',
    '2026-13-01T00:00:00Z',
    '2026-11-27T05:00:00+0900',
    '0000-01-01T00:00:00Z',
    '0000-01-01T00:00:00.000Z',
    '2026-02-30T00:00:00.000Z',
    '2026-11-27T24:00:00.000Z',
  ])('refuses %s', (input) => {
    expect(() => canonicalInstant(input)).toThrow(AuditRecordError);
  });
});

describe('canonicalOffset', () => {
  it('writes offsets as plain decimals', () => {
    expect(canonicalOffset('o', '0')).toBe('0');
    expect(canonicalOffset('o', '007')).toBe('7');
    expect(canonicalOffset('o', '9223372036854775807')).toBe('9223372036854775807');
  });

  it.each(['-1', '1.5', '', ' 1', '9223372036854775808', '1e3'])('refuses %j', (value) => {
    expect(() => canonicalOffset('o', value)).toThrow(AuditRecordError);
  });
});

describe('normalizeAuditRecord', () => {
  it('keeps exactly the AuditRecord fields, time canonical, offsets plain', () => {
    const input = {
      ...auditRecordFixture({ time: '2026-11-27T14:00:00+09:00', inboundOffset: '0042' }),
      extra: 1,
    };
    const out = normalizeAuditRecord(input);
    expect(Object.keys(out)).toEqual([...AUDIT_RECORD_FIELDS]);
    expect(out.time).toBe('2026-11-27T05:00:00.000Z');
    expect(out.inboundOffset).toBe('42');
    expect(out.eventTime).toBe('2026-11-27T05:00:00Z');
    expect('basis' in out).toBe(false);
    expect(normalizeAuditRecord({ ...input, basis: ['consent:C1'] }).basis).toEqual(['consent:C1']);
  });

  it('replaces what PostgreSQL cannot store faithfully (NUL, unpaired surrogates), keeps real pairs', () => {
    const out = normalizeAuditRecord(
      auditRecordFixture({
        inboundId: 'a\u0000b',
        inboundSource: 'x\uD800y',
        type: '\uDC00',
        relations: ['🙂', 'z\uD83D'],
      }),
    );
    expect(out.inboundId).toBe('a\uFFFDb');
    expect(out.inboundSource).toBe('x\uFFFDy');
    expect(out.type).toBe('\uFFFD');
    expect(out.relations).toEqual(['🙂', 'z\uFFFD']);
  });

  it('is idempotent', () => {
    const once = normalizeAuditRecord(auditRecordFixture({ time: '2026-11-27T05:00:00.5+01:00' }));
    expect(normalizeAuditRecord(once)).toEqual(once);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a bad time', { time: 'yesterday' }],
    ['a negative partition', { inboundPartition: -1 }],
    ['a partition beyond int32', { inboundPartition: 2 ** 31 }],
    ['a bad offset', { inboundOffset: 'x' }],
    ['a missing list', { relations: undefined }],
  ])('refuses %s', (_, override) => {
    expect(() => normalizeAuditRecord({ ...auditRecordFixture(), ...override })).toThrow(AuditRecordError);
  });
});
