import { RegistryLineReader, type RegistryLineResult } from './ndjson';
import { formatRegistryFileError } from './yaml-reader';

const SP = '0300000000000000000001';
const registered = new Map([
  ['TD03', { role: 'tdso' as const, area: '03' as const }],
  ['OCCTO', { role: 'occto' as const }],
  ['TP001', { role: 'third-party' as const }],
]);

function messages(result: RegistryLineResult): string[] {
  return result.ok ? [] : result.errors.map((e) => formatRegistryFileError(e));
}

describe('RegistryLineReader', () => {
  it('reads each kind, a party defined earlier counting for the lines after it', () => {
    const reader = new RegistryLineReader(registered);
    const lines = [
      { kind: 'party', id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
      { kind: 'enrollment', aggregatorId: 'DR001', supplyPointId: SP, from: '2026-04-01', to: '2027-03-31' },
      {
        kind: 'consent',
        id: 'C1',
        thirdPartyId: 'TP001',
        supplyPointId: SP,
        categories: ['negawatt', 'meter-reading'],
        from: '2026-01-01',
        to: '2027-12-31',
      },
      { kind: 'agreement', id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' },
    ].map((line, i) => reader.read(JSON.stringify(line), 'r.ndjson', i + 1));
    expect(lines.map((r) => (r.ok ? r.row?.kind : messages(r)))).toEqual([
      'party',
      'enrollment',
      'consent',
      'agreement',
    ]);
    expect(lines[2]).toEqual({
      ok: true,
      row: {
        kind: 'consent',
        consent: {
          id: 'C1',
          thirdPartyId: 'TP001',
          supplyPointId: SP,
          categories: ['negawatt', 'meter-reading'],
          from: '2026-01-01',
          to: '2027-12-31',
          revokedAt: null,
        },
      },
    });
    expect(reader.defined.map((p) => p.id)).toEqual(['DR001']);
    expect(reader.read('   ', 'r.ndjson', 5)).toEqual({ ok: true, row: undefined });
  });

  it('names every problem of a line by file and line, with the value (never a supply point id)', () => {
    const reader = new RegistryLineReader(registered);
    const bad = reader.read(
      JSON.stringify({
        kind: 'consent',
        id: '',
        thirdPartyId: 'tp1',
        supplyPointId: '1100000000000000000001',
        categories: ['meter-reading', 'weather'],
        from: '2026-01-01',
        to: '2025-12-31',
        revokedAt: 'yesterday',
        note: 'x',
      }),
      'r.ndjson',
      12,
    );
    expect(messages(bad)).toEqual([
      'r.ndjson:12: consent.note: unknown key; consent has kind, id, thirdPartyId, supplyPointId, categories, from, to or revokedAt',
      'r.ndjson:12: consent.id: must not be empty',
      'r.ndjson:12: consent.thirdPartyId: "tp1" is not a party id (an uppercase letter, then 1 to 15 uppercase letters or digits)',
      'r.ndjson:12: consent.supplyPointId: the supply point id starts with 11, which is not a supply area (01..10)',
      'r.ndjson:12: consent.categories[1]: unknown category "weather"; expected meter-reading or negawatt',
      'r.ndjson:12: consent.to: 2025-12-31 is before from (2026-01-01)',
      'r.ndjson:12: consent.revokedAt: must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got "yesterday"',
    ]);
    expect(messages(bad).join('\n')).not.toContain('1100000000000000000001');
    expect(messages(reader.read('[1]', 'r.ndjson', 13))).toEqual([
      'r.ndjson:13: expected a JSON object with a "kind", got [1]',
    ]);
  });

  it('keeps the one occto, one tdso per area and the roles of registered parties', () => {
    const reader = new RegistryLineReader(registered);
    const read = (line: object, n: number) => messages(reader.read(JSON.stringify(line), 'r.ndjson', n));
    expect(read({ kind: 'party', id: 'OCCTO2', role: 'occto', name: 'Another' }, 1)).toEqual([
      'r.ndjson:1: party.role: there is already an occto, OCCTO (registered); there is at most one',
    ]);
    expect(read({ kind: 'party', id: 'TDX', role: 'tdso', area: '03', name: 'Rival' }, 2)).toEqual([
      'r.ndjson:2: party.area: area 03 already has a tdso, TD03 (registered)',
    ]);
    expect(read({ kind: 'party', id: 'TP001', role: 'aggregator', name: 'Turncoat' }, 3)).toEqual([
      "r.ndjson:3: party.role: TP001 is registered as a third-party; an import cannot change a party's role",
    ]);
    expect(read({ kind: 'party', id: 'R0001', role: 'retailer', name: 'Clean Venture 21' }, 4)).toEqual([]);
    expect(read({ kind: 'party', id: 'R0001', role: 'retailer', name: 'Again' }, 5)).toEqual([
      'r.ndjson:5: party.id: party R0001 is defined twice (first at r.ndjson:4)',
    ]);
    expect(
      read(
        {
          kind: 'enrollment',
          aggregatorId: 'R0001',
          supplyPointId: SP,
          from: '2026-01-01',
          to: '2026-12-31',
        },
        6,
      ),
    ).toEqual([
      'r.ndjson:6: enrollment.aggregatorId: R0001 is a retailer (defined at r.ndjson:4), not an aggregator',
    ]);
    expect(read({ kind: 'party', id: 'R0002', role: 'retailer', name: 'R', area: '03' }, 7)).toEqual([
      'r.ndjson:7: party.area: only a tdso has an area, not a retailer',
    ]);
  });
});
