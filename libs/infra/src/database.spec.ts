import { ensureDatabase, redactUrl, withDatabase } from './database';

describe('redactUrl', () => {
  it.each([
    ['postgres://app:hunter2@db:5432/kyodo', 'postgres://app:***@db:5432/kyodo'],
    ['postgres://postgres@127.0.0.1:5432/kyodo', 'postgres://postgres@127.0.0.1:5432/kyodo'],
    ['postgresql://db/kyodo?sslmode=require', 'postgresql://db/kyodo?sslmode=require'],
    ['not a url hunter2', '(unparseable URL)'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('database errors never repeat a password', () => {
  it('names a URL without a database with its password hidden', async () => {
    await expect(ensureDatabase('postgres://app:hunter2@db:5432/')).rejects.toThrow(
      'DATABASE_URL names no database: postgres://app:***@db:5432/',
    );
  });

  it('refuses an unparseable URL without quoting it', () => {
    expect(() => withDatabase('postgres//app:hunter2@db', 'kyodo')).toThrow(
      /^DATABASE_URL is not a valid URL$/,
    );
  });
});
