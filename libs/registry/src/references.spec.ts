import type { Party } from '@kyodo/contracts';
import { checkReferences, parseRegistryFile, type RegisteredParty, type RegistryFileParsed } from '.';
import { SPID, marked } from './spec-support';

function parsed(text: string): RegistryFileParsed {
  const result = parseRegistryFile(text, 'r.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

/** checkReferences' errors as [path, message] at the `▸` markers, in order. */
function expectErrors(
  source: string,
  registered: ReadonlyMap<string, RegisteredParty>,
  expected: readonly (readonly [string, string])[],
): void {
  const { text, marks } = marked(source);
  expect(marks).toHaveLength(expected.length);
  expect(checkReferences(parsed(text), registered)).toEqual(
    expected.map(([path, message], i) => ({ ...marks[i], path, message, file: 'r.yaml' })),
  );
}

const REGISTERED = new Map<string, Party>(
  (
    [
      { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
      { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
      { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
      { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
      { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
    ] satisfies Party[]
  ).map((p) => [p.id, p]),
);

const enrollment = (aggregatorId: string) =>
  `  - { aggregatorId: ${aggregatorId}, supplyPointId: "${SPID}", from: 2026-01-01, to: 2026-12-31 }\n`;
const consent = (id: string, thirdPartyId: string) =>
  `  - { id: ${id}, thirdPartyId: ${thirdPartyId}, supplyPointId: "${SPID}", categories: [negawatt], from: 2026-01-01, to: 2026-12-31 }\n`;

describe('checkReferences', () => {
  it('accepts references to registered parties of the right role', () => {
    expectErrors(`enrollments:\n${enrollment('DR001')}consents:\n${consent('C1', 'TP001')}`, REGISTERED, []);
  });

  it('accepts a file that defines everything it names, with an empty database', () => {
    const text = `parties:\n  - { id: DR009, role: aggregator, name: X }\nenrollments:\n${enrollment('DR009')}`;
    expect(checkReferences(parsed(text), new Map())).toEqual([]);
  });

  it('reports parties neither defined nor registered, at each reference', () => {
    expectErrors(
      `enrollments:\n${enrollment('▸DR009')}consents:\n${consent('C1', '▸TP009')}${consent('C2', '▸TP009')}`,
      REGISTERED,
      [
        ['enrollments[0].aggregatorId', 'DR009 is neither defined in this file nor registered'],
        ['consents[0].thirdPartyId', 'TP009 is neither defined in this file nor registered'],
        ['consents[1].thirdPartyId', 'TP009 is neither defined in this file nor registered'],
      ],
    );
  });

  it('reports registered parties of the wrong role', () => {
    expectErrors(`enrollments:\n${enrollment('▸R0001')}consents:\n${consent('C1', '▸DR001')}`, REGISTERED, [
      ['enrollments[0].aggregatorId', 'R0001 is registered as a retailer, not an aggregator'],
      ['consents[0].thirdPartyId', 'DR001 is registered as an aggregator, not a third-party'],
    ]);
  });

  it('refuses to change the role of a registered party', () => {
    expectErrors('parties:\n  - { id: TP001, role: ▸aggregator, name: X }\n', REGISTERED, [
      ['parties[0].role', "TP001 is registered as a third-party; an import cannot change a party's role"],
    ]);
  });

  it('allows a registered party to be renamed, and a tdso to move to a free area', () => {
    expectErrors(
      'parties:\n  - { id: R0001, role: retailer, name: New name }\n  - { id: TD03, role: tdso, area: "04", name: X }\n',
      REGISTERED,
      [],
    );
  });

  it('keeps one occto across the file and the database', () => {
    expectErrors('parties:\n  - { id: OCCTO2, role: ▸occto, name: X }\n', REGISTERED, [
      ['parties[0].role', 'OCCTO is already registered as the occto; there is at most one'],
    ]);
    expectErrors('parties:\n  - { id: OCCTO, role: occto, name: Renamed }\n', REGISTERED, []);
  });

  it('keeps one tdso per area across the file and the database', () => {
    expectErrors('parties:\n  - { id: TD03B, role: tdso, area: ▸"03", name: X }\n', REGISTERED, [
      ['parties[0].area', 'area 03 already has a registered tdso, TD03'],
    ]);
  });

  it('lets the file hand an area over when it moves the registered tdso away in the same import', () => {
    expectErrors(
      'parties:\n  - { id: TD03, role: tdso, area: "04", name: X }\n  - { id: TD03B, role: tdso, area: "03", name: Y }\n',
      REGISTERED,
      [],
    );
  });

  it('takes any map of roles, not only parties', () => {
    const result = parsed(`enrollments:\n${enrollment('DR001')}`);
    expect(checkReferences(result, new Map([['DR001', { role: 'aggregator' as const }]]))).toEqual([]);
  });
});
