import { checkSecretParties, parseSecretsFile } from '.';
import { marked } from './spec-support';

function expectErrors(source: string, expected: readonly (readonly [string, string])[]): void {
  const { text, marks } = marked(source);
  expect(marks).toHaveLength(expected.length);
  const result = parseSecretsFile(text);
  expect(result.ok ? [] : result.errors).toEqual(
    expected.map(([path, message], i) => ({ ...marks[i], path, message })),
  );
}

describe('parseSecretsFile', () => {
  it('reads a mapping of party id to password, with where each is written', () => {
    expect(parseSecretsFile('R0001: "s3cret"\nTD03: other secret\n', 's.yaml')).toEqual({
      ok: true,
      secrets: [
        { partyId: 'R0001', password: 's3cret', line: 1, column: 8, path: 'R0001', file: 's.yaml' },
        { partyId: 'TD03', password: 'other secret', line: 2, column: 7, path: 'TD03', file: 's.yaml' },
      ],
    });
  });

  it.each(['', '# none yet\n', '{}\n'])('reads %j as no secrets', (text) => {
    expect(parseSecretsFile(text)).toEqual({ ok: true, secrets: [] });
  });

  it.each<[string, string, (readonly [string, string])[]]>([
    [
      'a list',
      '▸- R0001\n',
      [['', 'a secrets file is a mapping of party id to password, such as R0001: "..."']],
    ],
    [
      'a key that is not a party id',
      'R0001: a\n▸r0002: b\n',
      [['r0002', 'is not a party id (an uppercase letter, then 1 to 15 uppercase letters or digits)']],
    ],
    ['an empty password', 'R0001: ▸""\n', [['R0001', 'the password must not be empty']]],
    ['no password', '▸R0001:\n', [['R0001', 'the password has no value']]],
    [
      'a password YAML reads as a number, not echoed',
      'R0001: ▸123456\n',
      [['R0001', 'the password must be a quoted string: unquoted, this value is read as a number']],
    ],
    [
      'a mapping for a password',
      'R0001: ▸{ a: 1 }\n',
      [['R0001', 'the password must be a string, not a mapping']],
    ],
    ['a duplicate party', 'R0001: a\n▸R0001: b\n', [['', 'duplicate key R0001']]],
  ])('rejects %s', (_name, source, expected) => expectErrors(source, expected));
});

describe('checkSecretParties', () => {
  it('reports secrets for parties nobody knows', () => {
    const result = parseSecretsFile('R0001: a\nR0009: b\n', 's.yaml');
    if (!result.ok) throw new Error('unexpected');
    expect(checkSecretParties(result.secrets, new Set(['R0001']))).toEqual([
      {
        line: 2,
        column: 8,
        path: 'R0009',
        message: 'R0009 is neither defined in the registry file nor registered',
        file: 's.yaml',
      },
    ]);
  });
});
