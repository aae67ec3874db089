import { formatRegistryFileError, parseRegistryFile, type RegistryFileError } from '.';
import { PARTIES, SPID, marked } from './spec-support';

/** Every error of `source`, as [path, message] at the `▸` markers, in order. */
function expectErrors(source: string, expected: readonly (readonly [string, string])[]): void {
  const { text, marks } = marked(source);
  expect(marks).toHaveLength(expected.length);
  const result = parseRegistryFile(text);
  const errors: RegistryFileError[] = result.ok ? [] : result.errors;
  expect(errors).toEqual(
    expected.map(([path, message], i) => ({ line: marks[i].line, column: marks[i].column, path, message })),
  );
}

const ID_RULE = 'is not a party id (an uppercase letter, then 1 to 15 uppercase letters or digits)';

describe('parseRegistryFile: the contract example', () => {
  const example = `parties:
  - { id: R0001, role: retailer, name: "Clean Venture 21" }
  - { id: TD03, role: tdso, area: "03", name: "Tokyo T&D" }
  - { id: OCCTO, role: occto, name: "OCCTO" }
  - { id: DR001, role: aggregator, name: "Negawatt Co" }
  - { id: TP001, role: third-party, name: "Home Energy App" }
enrollments:          # an aggregator's negawatt contract for a supply point
  - { aggregatorId: DR001, supplyPointId: "0300000000000000000001", from: 2026-01-01, to: 2027-12-31 }
consents:             # a customer's consent to provision to a third party
  - { id: C1, thirdPartyId: TP001, supplyPointId: "0300000000000000000001",
      categories: [meter-reading], from: 2026-01-01, to: 2027-12-31, revokedAt: null }
`;

  it('reads it, dates as strings', () => {
    const result = parseRegistryFile(example);
    expect(result).toEqual({
      ok: true,
      data: {
        parties: [
          { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
          { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
          { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
          { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
          { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
        ],
        enrollments: [{ aggregatorId: 'DR001', supplyPointId: SPID, from: '2026-01-01', to: '2027-12-31' }],
        consents: [
          {
            id: 'C1',
            thirdPartyId: 'TP001',
            supplyPointId: SPID,
            categories: ['meter-reading'],
            from: '2026-01-01',
            to: '2027-12-31',
            revokedAt: null,
          },
        ],
      },
      references: [],
      definitions: expect.any(Array) as unknown,
    });
    if (result.ok) expect(result.data.parties[0]).not.toHaveProperty('area');
  });

  it('places errors at literal lines and columns', () => {
    const broken = example.replace('area: "03"', 'area: 3').replace('to: 2027-12-31 }', 'to: 2025-12-31 }');
    const result = parseRegistryFile(broken, 'registry.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        line: 3,
        column: 35,
        path: 'parties[1].area',
        message: 'must be a quoted string: unquoted, 3 is read as a number; write "03"',
        file: 'registry.yaml',
      },
      {
        line: 8,
        column: 91,
        path: 'enrollments[0].to',
        message: '2025-12-31 is before from (2026-01-01)',
        file: 'registry.yaml',
      },
    ]);
    expect(result.errors.map((e) => formatRegistryFileError(e))).toEqual([
      'registry.yaml:3:35: parties[1].area: must be a quoted string: unquoted, 3 is read as a number; write "03"',
      'registry.yaml:8:91: enrollments[0].to: 2025-12-31 is before from (2026-01-01)',
    ]);
  });
});

describe('parseRegistryFile: valid files', () => {
  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing yet\n'],
    ['an empty mapping', '{}\n'],
    ['empty sections', 'parties:\nenrollments: []\nconsents: ~\n'],
  ])('%s is an empty registry', (_name, text) => {
    expect(parseRegistryFile(text)).toEqual({
      ok: true,
      data: { parties: [], enrollments: [], consents: [] },
      references: [],
      definitions: [],
    });
  });

  it('reads block style, an absent revokedAt as null, instants with any offset, and a leap day', () => {
    const result = parseRegistryFile(`${PARTIES}enrollments:
  - aggregatorId: DR001
    supplyPointId: '${SPID}'
    from: 2028-02-29
    to: 2028-02-29
consents:
  - id: C1
    thirdPartyId: TP001
    supplyPointId: "${SPID}"
    categories:
      - negawatt
      - meter-reading
    from: 2026-01-01
    to: 2026-12-31
  - { id: "2", thirdPartyId: TP001, supplyPointId: "${SPID}", categories: [negawatt],
      from: 2026-01-01, to: 2026-12-31, revokedAt: 2026-11-30T23:59:59.5-03:30 }
  - { id: C3, thirdPartyId: TP001, supplyPointId: "${SPID}", categories: [negawatt],
      from: 2026-01-01, to: 2026-12-31, revokedAt: "2026-11-30T10:00:00Z" }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.enrollments).toEqual([
      { aggregatorId: 'DR001', supplyPointId: SPID, from: '2028-02-29', to: '2028-02-29' },
    ]);
    expect(result.data.consents.map((c) => [c.id, c.categories, c.revokedAt])).toEqual([
      ['C1', ['negawatt', 'meter-reading'], null],
      ['2', ['negawatt'], '2026-11-30T23:59:59.5-03:30'],
      ['C3', ['negawatt'], '2026-11-30T10:00:00Z'],
    ]);
  });

  it('follows aliases to field values', () => {
    const result = parseRegistryFile(`${PARTIES}consents:
  - { id: C1, thirdPartyId: TP001, supplyPointId: &sp "${SPID}", categories: &both [meter-reading, negawatt],
      from: &from 2026-01-01, to: 2026-12-31 }
  - { id: C2, thirdPartyId: TP001, supplyPointId: *sp, categories: *both, from: *from, to: 2027-12-31 }
`);
    expect(result.ok && result.data.consents[1]).toEqual({
      id: 'C2',
      thirdPartyId: 'TP001',
      supplyPointId: SPID,
      categories: ['meter-reading', 'negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    });
  });

  it('keeps dates as strings under a %YAML 1.1 directive too', () => {
    const result = parseRegistryFile(`%YAML 1.1
---
${PARTIES}enrollments:
  - { aggregatorId: DR001, supplyPointId: "${SPID}", from: 2026-01-01, to: 2026-12-31 }
`);
    expect(result.ok && result.data.enrollments[0]).toMatchObject({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('accepts an area made a string by an explicit tag, and single-quoted values', () => {
    const result = parseRegistryFile(`parties:
  - { id: TD03, role: tdso, area: !!str 03, name: 'Tokyo T&D' }
  - { id: 'TD06', role: 'tdso', area: '06', name: Kansai }
`);
    expect(result.ok && result.data.parties).toEqual([
      { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
      { id: 'TD06', role: 'tdso', area: '06', name: 'Kansai' },
    ]);
  });

  it('accepts dates and instants tagged !!timestamp, as written', () => {
    const result = parseRegistryFile(`${PARTIES}enrollments:
  - { aggregatorId: DR001, supplyPointId: "${SPID}", from: !!timestamp 2026-01-01, to: 2026-12-31 }
consents:
  - { id: C1, thirdPartyId: TP001, supplyPointId: "${SPID}", categories: [negawatt], from: 2026-01-01,
      to: 2026-12-31, revokedAt: !!timestamp 2026-11-30T10:00:00+09:00 }
`);
    expect(result.ok && result.data.enrollments[0].from).toBe('2026-01-01');
    expect(result.ok && result.data.consents[0].revokedAt).toBe('2026-11-30T10:00:00+09:00');
  });

  it('finds parties defined after the entries that name them', () => {
    const result = parseRegistryFile(`enrollments:
  - { aggregatorId: DR001, supplyPointId: "${SPID}", from: 2026-01-01, to: 2026-12-31 }
${PARTIES}`);
    expect(result.ok && result.references).toEqual([]);
  });
});

describe('parseRegistryFile: references to parties the file does not define', () => {
  it('lists them with the role they need and where they are named', () => {
    const { text, marks } = marked(`${PARTIES}enrollments:
  - { aggregatorId: ▸DR009, supplyPointId: "${SPID}", from: 2026-01-01, to: 2026-12-31 }
  - { aggregatorId: DR001, supplyPointId: "${SPID}", from: 2026-01-01, to: 2026-12-31 }
consents:
  - { id: C1, thirdPartyId: ▸TP009, supplyPointId: "${SPID}", categories: [negawatt], from: 2026-01-01, to: 2026-12-31 }
  - { id: C2, thirdPartyId: ▸TP009, supplyPointId: "${SPID}", categories: [negawatt], from: 2026-01-01, to: 2026-12-31 }
`);
    const result = parseRegistryFile(text, 'r.yaml');
    expect(result.ok && result.references).toEqual([
      {
        partyId: 'DR009',
        role: 'aggregator',
        ...marks[0],
        path: 'enrollments[0].aggregatorId',
        file: 'r.yaml',
      },
      {
        partyId: 'TP009',
        role: 'third-party',
        ...marks[1],
        path: 'consents[0].thirdPartyId',
        file: 'r.yaml',
      },
      {
        partyId: 'TP009',
        role: 'third-party',
        ...marks[2],
        path: 'consents[1].thirdPartyId',
        file: 'r.yaml',
      },
    ]);
  });
});

describe('parseRegistryFile: YAML and document errors', () => {
  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'duplicate key in an entry',
      'parties:\n  - { id: R0001, role: retailer, name: A, ▸name: B }\n',
      [['', 'duplicate key name']],
    ],
    ['duplicate top-level key', 'parties: []\n▸parties: []\n', [['', 'duplicate key parties']]],
    [
      'a second document',
      'parties: []\n▸---\nconsents: []\n',
      [['', 'a second YAML document; the file must hold exactly one']],
    ],
    [
      'an unknown tag',
      'parties:\n  - { id: ▸!party R0001, role: retailer, name: A }\n',
      [['', 'unsupported tag !party']],
    ],
    [
      'a YAML error does not hide content errors',
      'parties:\n  - { id: ▸r1, role: retailer, name: A, ▸name: B }\n',
      [
        ['parties[0].id', `"r1" ${ID_RULE}`],
        ['', 'duplicate key name'],
      ],
    ],
    [
      'a list at the top',
      '▸- parties\n',
      [
        [
          '',
          'found a list; expected a mapping with parties, enrollments, consents, agreements or delegations',
        ],
      ],
    ],
    [
      'a string at the top',
      '▸hello\n',
      [
        [
          '',
          'found the string "hello"; expected a mapping with parties, enrollments, consents, agreements or delegations',
        ],
      ],
    ],
    [
      'an unknown top-level key',
      'parties: []\n▸partys: []\n',
      [
        [
          'partys',
          'unknown key "partys"; expected parties, enrollments, consents, agreements or delegations',
        ],
      ],
    ],
    [
      'a top-level key that is not a name',
      '▸[parties]: []\n',
      [['', 'keys must be plain names, not a list']],
    ],
    [
      'a section that is a mapping',
      'parties: ▸{ id: R0001 }\n',
      [['parties', 'found a mapping; expected a list of parties']],
    ],
    [
      'a section that is a string',
      'consents: ▸none\n',
      [['consents', 'found the string "none"; expected a list of consents']],
    ],
    [
      'an entry that is not a mapping',
      'parties:\n  - ▸R0001\n',
      [
        [
          'parties[0]',
          'found the string "R0001"; expected a party such as { id: R0001, role: retailer, name: "Clean Venture 21" }',
        ],
      ],
    ],
    [
      'an empty entry',
      'enrollments:\n  -▸\n',
      [
        [
          'enrollments[0]',
          'has no value; expected an enrollment with aggregatorId, supplyPointId, from and to',
        ],
      ],
    ],
    [
      'an alias for a whole entry',
      'parties:\n  - &p { id: R0001, role: retailer, name: A }\n  - ▸*p\n',
      [['parties[1]', 'alias *p repeats an entry; write each entry out']],
    ],
    [
      'an alias with no anchor',
      'parties:\n  - { id: R0001, role: retailer, name: ▸*n }\n',
      [['parties[0].name', 'alias *n names no anchor defined before it']],
    ],
    [
      'an unknown key in an entry',
      'parties:\n  - { id: R0001, role: retailer, name: A, ▸colour: red }\n',
      [['parties[0].colour', 'unknown key "colour"; expected id, role, name, area or suspended']],
    ],
    [
      'a key that is not a name',
      'parties:\n  - { id: R0001, role: retailer, name: A, ▸1: x }\n',
      [['parties[0]', 'keys must be plain names, not the number 1']],
    ],
    [
      'missing keys',
      'parties:\n  - ▸▸{ id: R0001 }\n',
      [
        ['parties[0]', 'missing key "role"'],
        ['parties[0]', 'missing key "name"'],
      ],
    ],
  ])('%s', (_name, source, expected) => expectErrors(source, expected));

  it('reports a syntax error alone, where the parser found it', () => {
    const result = parseRegistryFile('parties:\n  - { id: R0001, role: retailer, name: "Clean }\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(error.path).toBe('');
      expect(error.line).toBeGreaterThanOrEqual(2);
    }
    expect(result.errors[0].message).toMatch(/quote/);
  });

  it('reports an unclosed flow sequence at the line where it should have ended', () => {
    const result = parseRegistryFile('parties: [ { id: R0001, role: retailer, name: A }\nconsents: []\n');
    expect(result.ok ? [] : result.errors.map((e) => [e.line, e.column, e.path])).toContainEqual([2, 1, '']);
  });
});

describe('parseRegistryFile: parties', () => {
  const party = (fields: string) => `parties:\n  - { ${fields} }\n`;

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'a lowercase id',
      party('id: ▸r0001, role: retailer, name: A'),
      [['parties[0].id', `"r0001" ${ID_RULE}`]],
    ],
    ['a one-letter id', party('id: ▸R, role: retailer, name: A'), [['parties[0].id', `"R" ${ID_RULE}`]]],
    [
      'an id of 17 characters',
      party('id: ▸R0000000000000001, role: retailer, name: A'),
      [['parties[0].id', `"R0000000000000001" ${ID_RULE}`]],
    ],
    [
      'an id starting with a digit',
      party('id: ▸"1R", role: retailer, name: A'),
      [['parties[0].id', `"1R" ${ID_RULE}`]],
    ],
    [
      'an id YAML reads as null',
      party('id: ▸NULL, role: retailer, name: A'),
      [['parties[0].id', 'must be a quoted string: unquoted, NULL is read as null; write "NULL"']],
    ],
    [
      'an id YAML reads as a boolean',
      party('id: ▸TRUE, role: retailer, name: A'),
      [['parties[0].id', 'must be a quoted string: unquoted, TRUE is read as a boolean; write "TRUE"']],
    ],
    [
      'an id YAML reads as a number',
      party('id: ▸1E5, role: retailer, name: A'),
      [['parties[0].id', 'must be a quoted string: unquoted, 1E5 is read as a number; write "1E5"']],
    ],
    [
      'a duplicate id',
      'parties:\n  - { id: R0001, role: retailer, name: A }\n  - { id: R0002, role: retailer, name: B }\n  - { id: ▸R0001, role: aggregator, name: C }\n',
      [['parties[2].id', 'duplicate party id R0001 (first defined at line 2)']],
    ],
    [
      'an unknown role',
      party('id: R0001, role: ▸shop, name: A'),
      [['parties[0].role', 'unknown role "shop"; expected retailer, tdso, occto, aggregator or third-party']],
    ],
    [
      'a role with the wrong case',
      party('id: R0001, role: ▸Retailer, name: A'),
      [
        [
          'parties[0].role',
          'unknown role "Retailer"; expected retailer, tdso, occto, aggregator or third-party',
        ],
      ],
    ],
    [
      'a role with no value',
      'parties:\n  - id: R0001\n    ▸role:\n    name: A\n',
      [['parties[0].role', 'has no value']],
    ],
    [
      'an empty name',
      party('id: R0001, role: retailer, name: ▸""'),
      [['parties[0].name', 'must not be empty']],
    ],
    [
      'a blank name',
      party('id: R0001, role: retailer, name: ▸"   "'),
      [['parties[0].name', 'must not be empty']],
    ],
    [
      'a name with a control character',
      party('id: R0001, role: retailer, name: ▸"Clean\\0Venture"'),
      [['parties[0].name', 'must not contain control characters']],
    ],
    [
      'a name with an unpaired surrogate',
      party('id: R0001, role: retailer, name: ▸"Clean \\uD800"'),
      [['parties[0].name', 'must be valid Unicode (it holds an unpaired surrogate)']],
    ],
    [
      'a number for a name',
      party('id: R0001, role: retailer, name: ▸21'),
      [['parties[0].name', 'must be a quoted string: unquoted, 21 is read as a number; write "21"']],
    ],
    [
      'a list for a name',
      party('id: R0001, role: retailer, name: ▸[A, B]'),
      [['parties[0].name', 'must be a string, not a list']],
    ],
    [
      'a tdso without an area',
      'parties:\n  - ▸{ id: TD03, role: tdso, name: Tokyo }\n',
      [['parties[0]', 'a tdso needs an area, "01".."10"']],
    ],
    [
      'an unquoted one-digit area',
      party('id: TD03, role: tdso, area: ▸3, name: Tokyo'),
      [['parties[0].area', 'must be a quoted string: unquoted, 3 is read as a number; write "03"']],
    ],
    [
      'an unquoted two-digit area',
      party('id: TD03, role: tdso, area: ▸03, name: Tokyo'),
      [['parties[0].area', 'must be a quoted string: unquoted, 03 is read as a number; write "03"']],
    ],
    [
      'an unquoted area 10',
      party('id: TD10, role: tdso, area: ▸10, name: Okinawa'),
      [['parties[0].area', 'must be a quoted string: unquoted, 10 is read as a number; write "10"']],
    ],
    [
      'area 11',
      party('id: TD11, role: tdso, area: ▸"11", name: X'),
      [['parties[0].area', '"11" is not a supply area; expected "01".."10"']],
    ],
    [
      'area "3"',
      party('id: TD03, role: tdso, area: ▸"3", name: X'),
      [['parties[0].area', '"3" is not a supply area; expected "01".."10"']],
    ],
    [
      'an area on a retailer',
      party('id: R0001, role: retailer, name: A, ▸area: "03"'),
      [['parties[0].area', 'only a tdso has an area, not a retailer']],
    ],
    [
      'a null area on an aggregator',
      party('id: DR001, role: aggregator, name: A, ▸area: null'),
      [['parties[0].area', 'only a tdso has an area, not an aggregator']],
    ],
    [
      'a second occto',
      'parties:\n  - { id: OCCTO, role: occto, name: A }\n  - { id: OCCTO2, role: ▸occto, name: B }\n',
      [['parties[1].role', 'there is already an occto, OCCTO (line 2)']],
    ],
    [
      'a second tdso for an area',
      'parties:\n  - { id: TD03, role: tdso, area: "03", name: A }\n  - { id: TD06, role: tdso, area: "06", name: B }\n  - { id: TDX, role: tdso, area: ▸"03", name: C }\n',
      [['parties[2].area', 'area 03 already has a tdso, TD03 (line 2)']],
    ],
  ])('%s', (_name, source, expected) => expectErrors(source, expected));
});

describe('parseRegistryFile: enrollments', () => {
  const enrollment = (fields: string) => `${PARTIES}enrollments:\n  - { ${fields} }\n`;
  const sp = `supplyPointId: "${SPID}"`;

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'an aggregator that is a retailer in the file',
      enrollment(`aggregatorId: ▸R0001, ${sp}, from: 2026-01-01, to: 2026-12-31`),
      [['enrollments[0].aggregatorId', 'R0001 is a retailer (line 2), not an aggregator']],
    ],
    [
      'a malformed aggregator id',
      enrollment(`aggregatorId: ▸dr001, ${sp}, from: 2026-01-01, to: 2026-12-31`),
      [['enrollments[0].aggregatorId', `"dr001" ${ID_RULE}`]],
    ],
    [
      'an unquoted supply point id',
      enrollment(`aggregatorId: DR001, supplyPointId: ▸${SPID}, from: 2026-01-01, to: 2026-12-31`),
      [['enrollments[0].supplyPointId', 'must be a quoted string: unquoted, this value is read as a number']],
    ],
    [
      'a supply point id of 21 digits',
      enrollment(
        'aggregatorId: DR001, supplyPointId: ▸"030000000000000000001", from: 2026-01-01, to: 2026-12-31',
      ),
      [['enrollments[0].supplyPointId', 'a supply point id is 22 digits; this one has 21 characters']],
    ],
    [
      'a supply point id with a letter',
      enrollment(
        'aggregatorId: DR001, supplyPointId: ▸"03000000000000000000A1", from: 2026-01-01, to: 2026-12-31',
      ),
      [
        [
          'enrollments[0].supplyPointId',
          'a supply point id is 22 digits; this one has 22 characters, not all digits',
        ],
      ],
    ],
    [
      'a supply point in area 00',
      enrollment(
        'aggregatorId: DR001, supplyPointId: ▸"0000000000000000000001", from: 2026-01-01, to: 2026-12-31',
      ),
      [
        [
          'enrollments[0].supplyPointId',
          'the supply point id starts with 00, which is not a supply area (01..10)',
        ],
      ],
    ],
    [
      'a supply point in area 11',
      enrollment(
        'aggregatorId: DR001, supplyPointId: ▸"1100000000000000000001", from: 2026-01-01, to: 2026-12-31',
      ),
      [
        [
          'enrollments[0].supplyPointId',
          'the supply point id starts with 11, which is not a supply area (01..10)',
        ],
      ],
    ],
    [
      'February 30',
      enrollment(`aggregatorId: DR001, ${sp}, from: ▸2026-02-30, to: 2026-12-31`),
      [['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got "2026-02-30"']],
    ],
    [
      'February 29 of a common year',
      enrollment(`aggregatorId: DR001, ${sp}, from: 2026-01-01, to: ▸2027-02-29`),
      [['enrollments[0].to', 'must be a calendar date written YYYY-MM-DD, got "2027-02-29"']],
    ],
    [
      'year 0',
      enrollment(`aggregatorId: DR001, ${sp}, from: ▸0000-01-01, to: 2026-12-31`),
      [['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got "0000-01-01"']],
    ],
    [
      'a date without leading zeros',
      enrollment(`aggregatorId: DR001, ${sp}, from: ▸2026-1-1, to: 2026-12-31`),
      [['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got "2026-1-1"']],
    ],
    [
      'a date with a time',
      enrollment(`aggregatorId: DR001, ${sp}, from: ▸2026-01-01T00:00:00Z, to: 2026-12-31`),
      [['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got "2026-01-01T00:00:00Z"']],
    ],
    [
      'a date YAML reads as a number',
      enrollment(`aggregatorId: DR001, ${sp}, from: ▸20260101, to: 2026-12-31`),
      [['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got 20260101']],
    ],
    [
      'a date with no value',
      `${PARTIES}enrollments:\n  - aggregatorId: DR001\n    ${sp}\n    from: 2026-01-01\n    ▸to:\n`,
      [['enrollments[0].to', 'has no value']],
    ],
    [
      'to before from',
      enrollment(`aggregatorId: DR001, ${sp}, from: 2026-02-01, to: ▸2026-01-31`),
      [['enrollments[0].to', '2026-01-31 is before from (2026-02-01)']],
    ],
    [
      'a missing from',
      `${PARTIES}enrollments:\n  - ▸{ aggregatorId: DR001, ${sp}, to: 2026-12-31 }\n`,
      [['enrollments[0]', 'missing key "from"']],
    ],
    [
      'a duplicate enrollment',
      `${PARTIES}enrollments:\n  - { aggregatorId: DR001, ${sp}, from: 2026-01-01, to: 2026-06-30 }\n  - ▸{ aggregatorId: DR001, ${sp}, from: 2026-01-01, to: 2026-12-31 }\n`,
      [
        [
          'enrollments[1]',
          'duplicate enrollment of the same supply point with DR001 from 2026-01-01 (first at line 8)',
        ],
      ],
    ],
  ])('%s', (_name, source, expected) => expectErrors(source, expected));
});

describe('parseRegistryFile: consents', () => {
  const sp = `supplyPointId: "${SPID}"`;
  const rest = `${sp}, from: 2026-01-01, to: 2026-12-31`;
  const consent = (fields: string) => `${PARTIES}consents:\n  - { ${fields} }\n`;

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'an empty id',
      consent(`id: ▸"", thirdPartyId: TP001, categories: [negawatt], ${rest}`),
      [['consents[0].id', 'must not be empty']],
    ],
    [
      'an id YAML reads as a number',
      consent(`id: ▸7, thirdPartyId: TP001, categories: [negawatt], ${rest}`),
      [['consents[0].id', 'must be a quoted string: unquoted, 7 is read as a number; write "7"']],
    ],
    [
      'an id with a line break',
      consent(`id: ▸"C\\n1", thirdPartyId: TP001, categories: [negawatt], ${rest}`),
      [['consents[0].id', 'must not contain control characters']],
    ],
    [
      'a duplicate id',
      `${PARTIES}consents:\n  - { id: C1, thirdPartyId: TP001, categories: [negawatt], ${rest} }\n  - { id: ▸C1, thirdPartyId: TP001, categories: [meter-reading], ${rest} }\n`,
      [['consents[1].id', 'duplicate consent id C1 (first defined at line 8)']],
    ],
    [
      'a third party that is an aggregator in the file',
      consent(`id: C1, thirdPartyId: ▸DR001, categories: [negawatt], ${rest}`),
      [['consents[0].thirdPartyId', 'DR001 is an aggregator (line 5), not a third-party']],
    ],
    [
      'a malformed supply point id',
      consent(
        'id: C1, thirdPartyId: TP001, categories: [negawatt], supplyPointId: ▸"03-1", from: 2026-01-01, to: 2026-12-31',
      ),
      [
        [
          'consents[0].supplyPointId',
          'a supply point id is 22 digits; this one has 4 characters, not all digits',
        ],
      ],
    ],
    [
      'a single category not in a list',
      consent(`id: C1, thirdPartyId: TP001, categories: ▸meter-reading, ${rest}`),
      [['consents[0].categories', 'found meter-reading; expected a list such as [meter-reading, negawatt]']],
    ],
    [
      'categories with no value',
      consent(`id: C1, thirdPartyId: TP001, ▸categories: , ${rest}`),
      [['consents[0].categories', 'has no value; expected a list such as [meter-reading, negawatt]']],
    ],
    [
      'no categories',
      consent(`id: C1, thirdPartyId: TP001, categories: ▸[], ${rest}`),
      [['consents[0].categories', 'must name at least one category: meter-reading or negawatt']],
    ],
    [
      'an unknown category',
      consent(`id: C1, thirdPartyId: TP001, categories: [negawatt, ▸billing], ${rest}`),
      [['consents[0].categories[1]', 'unknown category "billing"; expected meter-reading or negawatt']],
    ],
    [
      'a category twice',
      consent(`id: C1, thirdPartyId: TP001, categories: [meter-reading, negawatt, ▸meter-reading], ${rest}`),
      [['consents[0].categories[2]', 'meter-reading is listed twice']],
    ],
    [
      'a category that is not a string',
      consent(`id: C1, thirdPartyId: TP001, categories: [▸{ kind: negawatt }], ${rest}`),
      [['consents[0].categories[0]', 'must be a string, not a mapping']],
    ],
    [
      'from after to',
      consent(
        `id: C1, thirdPartyId: TP001, categories: [negawatt], ${sp}, from: 2026-12-01, to: ▸2026-11-30`,
      ),
      [['consents[0].to', '2026-11-30 is before from (2026-12-01)']],
    ],
    [
      'an impossible date',
      consent(
        `id: C1, thirdPartyId: TP001, categories: [negawatt], ${sp}, from: ▸2026-04-31, to: 2026-11-30`,
      ),
      [['consents[0].from', 'must be a calendar date written YYYY-MM-DD, got "2026-04-31"']],
    ],
    [
      'revokedAt not an instant',
      consent(`id: C1, thirdPartyId: TP001, categories: [negawatt], ${rest}, revokedAt: ▸yesterday`),
      [
        [
          'consents[0].revokedAt',
          'must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got "yesterday"',
        ],
      ],
    ],
    [
      'revokedAt a date only',
      consent(`id: C1, thirdPartyId: TP001, categories: [negawatt], ${rest}, revokedAt: ▸2026-11-30`),
      [
        [
          'consents[0].revokedAt',
          'must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got "2026-11-30"',
        ],
      ],
    ],
    [
      'revokedAt without a time zone',
      consent(
        `id: C1, thirdPartyId: TP001, categories: [negawatt], ${rest}, revokedAt: ▸"2026-11-30T10:00:00"`,
      ),
      [
        [
          'consents[0].revokedAt',
          'must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got "2026-11-30T10:00:00"',
        ],
      ],
    ],
    [
      'revokedAt a number',
      consent(`id: C1, thirdPartyId: TP001, categories: [negawatt], ${rest}, revokedAt: ▸0`),
      [
        [
          'consents[0].revokedAt',
          'must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got 0',
        ],
      ],
    ],
    [
      'every key missing',
      `${PARTIES}consents:\n  - ▸▸▸▸▸{ thirdPartyId: TP001 }\n`,
      [
        ['consents[0]', 'missing key "id"'],
        ['consents[0]', 'missing key "supplyPointId"'],
        ['consents[0]', 'missing key "categories"'],
        ['consents[0]', 'missing key "from"'],
        ['consents[0]', 'missing key "to"'],
      ],
    ],
  ])('%s', (_name, source, expected) => expectErrors(source, expected));
});

describe('parseRegistryFile: all errors at once', () => {
  it('collects every error of a file, sorted by position, and returns no data', () => {
    expectErrors(
      `parties:
  - { id: R0001, role: retailer, name: "Clean Venture 21", ▸area: "03" }
  - { id: TD03, role: tdso, area: ▸3, name: "Tokyo T&D" }
  - { id: ▸R0001, role: ▸shop, name: X }
enrollments:
  - { aggregatorId: ▸R0001, supplyPointId: "${SPID}", from: ▸2026-02-30, to: 2027-12-31 }
consents:
  - { id: C1, thirdPartyId: TP001, supplyPointId: "${SPID}", categories: [▸billing], from: 2026-01-01, to: ▸2025-01-01 }
▸other: 1
`,
      [
        ['parties[0].area', 'only a tdso has an area, not a retailer'],
        ['parties[1].area', 'must be a quoted string: unquoted, 3 is read as a number; write "03"'],
        ['parties[2].id', 'duplicate party id R0001 (first defined at line 2)'],
        ['parties[2].role', 'unknown role "shop"; expected retailer, tdso, occto, aggregator or third-party'],
        ['enrollments[0].aggregatorId', 'R0001 is a retailer (line 2), not an aggregator'],
        ['enrollments[0].from', 'must be a calendar date written YYYY-MM-DD, got "2026-02-30"'],
        ['consents[0].categories[0]', 'unknown category "billing"; expected meter-reading or negawatt'],
        ['consents[0].to', '2025-01-01 is before from (2026-01-01)'],
        ['other', 'unknown key "other"; expected parties, enrollments, consents, agreements or delegations'],
      ],
    );
  });
});

describe('formatRegistryFileError', () => {
  const error = { line: 4, column: 7, path: 'parties[2].id', message: 'bad' };
  it('prints FILE:LINE:COL: path: message', () => {
    expect(formatRegistryFileError(error, 'demo/registry.yaml')).toBe(
      'demo/registry.yaml:4:7: parties[2].id: bad',
    );
    expect(formatRegistryFileError({ ...error, file: 'a.yaml' })).toBe('a.yaml:4:7: parties[2].id: bad');
  });
  it('leaves out an empty path', () => {
    expect(formatRegistryFileError({ ...error, path: '' }, 'a.yaml')).toBe('a.yaml:4:7: bad');
  });
});

describe('parseRegistryFile: suspended parties and agreements (v1.1)', () => {
  it('reads suspended: true, leaves it out when false or absent', () => {
    const result = parseRegistryFile(
      `parties:\n  - { id: R0001, role: retailer, name: A, suspended: true }\n  - { id: R0002, role: retailer, name: B, suspended: false }\n  - { id: R0003, role: retailer, name: C }\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.data.parties).toEqual([
      { id: 'R0001', role: 'retailer', name: 'A', suspended: true },
      { id: 'R0002', role: 'retailer', name: 'B' },
      { id: 'R0003', role: 'retailer', name: 'C' },
    ]);
  });

  it('has no agreements without the key, and an empty list with an empty one', () => {
    const without = parseRegistryFile(PARTIES);
    const empty = parseRegistryFile(`${PARTIES}agreements: []\n`);
    if (!without.ok || !empty.ok) throw new Error('expected both to parse');
    expect(without.data).not.toHaveProperty('agreements');
    expect(empty.data.agreements).toEqual([]);
  });

  it('reads agreements, and references to third parties the file does not define', () => {
    const result = parseRegistryFile(
      `${PARTIES}agreements:\n  - { id: A1, thirdPartyId: TP001, from: 2026-01-01, to: 2027-12-31 }\n  - { id: A2, thirdPartyId: TP009, from: 2026-01-01, to: 2026-12-31 }\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.data.agreements).toEqual([
      { id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' },
      { id: 'A2', thirdPartyId: 'TP009', from: '2026-01-01', to: '2026-12-31' },
    ]);
    expect(result.references).toEqual([expect.objectContaining({ partyId: 'TP009', role: 'third-party' })]);
  });

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'suspended written as a string',
      `parties:\n  - { id: R0001, role: retailer, name: A, suspended: ▸"yes" }\n`,
      [['parties[0].suspended', 'must be true or false, got "yes"']],
    ],
    [
      'suspended with no value',
      `parties:\n  - id: R0001\n    role: retailer\n    name: A\n    ▸suspended:\n`,
      [['parties[0].suspended', 'must be true or false, got no value']],
    ],
    [
      'an agreement with a retailer',
      `${PARTIES}agreements:\n  - { id: A1, thirdPartyId: ▸R0001, from: 2026-01-01, to: 2026-12-31 }\n`,
      [['agreements[0].thirdPartyId', 'R0001 is a retailer (line 2), not a third-party']],
    ],
    [
      'a duplicate agreement id',
      `${PARTIES}agreements:\n  - { id: A1, thirdPartyId: TP001, from: 2026-01-01, to: 2026-12-31 }\n  - { id: ▸A1, thirdPartyId: TP001, from: 2027-01-01, to: 2027-12-31 }\n`,
      [['agreements[1].id', 'duplicate agreement id A1 (first defined at line 8)']],
    ],
    [
      'an agreement ending before it starts, and one missing its end',
      `${PARTIES}agreements:\n  - { id: A1, thirdPartyId: TP001, from: 2026-02-01, to: ▸2026-01-01 }\n  - ▸{ id: A2, thirdPartyId: TP001, from: 2026-01-01 }\n`,
      [
        ['agreements[0].to', '2026-01-01 is before from (2026-02-01)'],
        ['agreements[1]', 'missing key "to"'],
      ],
    ],
    [
      'an unknown agreement key',
      `${PARTIES}agreements:\n  - { id: A1, thirdPartyId: TP001, from: 2026-01-01, to: 2026-12-31, ▸scope: all }\n`,
      [['agreements[0].scope', 'unknown key "scope"; expected id, thirdPartyId, from or to']],
    ],
  ])('%s', (_name, source, expected) => expectErrors(source, expected));

  it('never repeats a supply point id in an error', () => {
    const spids = ['0300000000000000000001', '030000000000000000001', '1100000000000000000001', '03-000-1'];
    for (const spid of spids) {
      for (const value of [`"${spid}"`, spid]) {
        const result = parseRegistryFile(
          `${PARTIES}enrollments:\n  - { aggregatorId: DR001, supplyPointId: ${value}, from: 2026-01-01, to: 2026-12-31 }\n  - { aggregatorId: DR001, supplyPointId: ${value}, from: 2026-01-01, to: 2026-12-31 }\n`,
        );
        const errors = result.ok ? [] : result.errors.map((e) => formatRegistryFileError(e));
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) expect(error).not.toContain(spid);
      }
    }
  });
});

describe('parseRegistryFile: delegations (v1.1)', () => {
  it('reads delegations between parties of any role, with or without revokedAt', () => {
    const result = parseRegistryFile(
      `${PARTIES}delegations:\n  - { agentId: TD03, forId: R0001, from: 2026-01-01, to: 2026-12-31 }\n  - { agentId: R0009, forId: R0001, from: 2026-01-01, to: 2026-12-31, revokedAt: 2026-06-01T00:00:00+09:00 }\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.data.delegations).toEqual([
      { agentId: 'TD03', forId: 'R0001', from: '2026-01-01', to: '2026-12-31', revokedAt: null },
      {
        agentId: 'R0009',
        forId: 'R0001',
        from: '2026-01-01',
        to: '2026-12-31',
        revokedAt: '2026-06-01T00:00:00+09:00',
      },
    ]);
    // A party the file does not define must be registered, whatever its role.
    expect(result.references).toEqual([expect.objectContaining({ partyId: 'R0009' })]);
    expect(result.references[0]).not.toHaveProperty('role');
  });

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'a party delegated to act for itself',
      `${PARTIES}delegations:\n  - ▸{ agentId: R0001, forId: R0001, from: 2026-01-01, to: 2026-12-31 }\n`,
      [['delegations[0]', 'R0001 cannot be delegated to act for itself']],
    ],
    [
      'a duplicate delegation',
      `${PARTIES}delegations:\n  - { agentId: TD03, forId: R0001, from: 2026-01-01, to: 2026-12-31 }\n  - ▸{ agentId: TD03, forId: R0001, from: 2026-01-01, to: 2027-12-31 }\n`,
      [['delegations[1]', 'duplicate delegation of TD03 for R0001 from 2026-01-01 (first at line 8)']],
    ],
  ])('reports %s', (_name, source, expected) => expectErrors(source, expected));
});
