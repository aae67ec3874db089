import { Client } from 'pg';

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly retriable = true;
}

export const START_POSTGRES_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

function describe(url: URL): string {
  return `${url.hostname}:${url.port || '5432'}`;
}

/** A database URL fit to print in a message or a log: its password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The URL parsed, with an error that never repeats it (it may hold a password; so does the `input`
 * of URL's own error, which is therefore not kept as the cause).
 */
function parseUrl(databaseUrl: string): URL {
  try {
    return new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL');
  }
}

/** Connects to the server's maintenance database, with an error that says how to start the server. */
export async function connectMaintenance(databaseUrl: string): Promise<Client> {
  const url = parseUrl(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint =
      code === 'ECONNREFUSED' || code === 'ENOENT'
        ? ` PostgreSQL is not running there. Start it with: ${START_POSTGRES_HINT}`
        : '';
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${describe(url)}: ${(error as Error).message}.${hint}`,
      { cause: error },
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the database named in `databaseUrl` if it does not exist. Returns true when it created it. */
export async function ensureDatabase(databaseUrl: string, template?: string): Promise<boolean> {
  const name = decodeURIComponent(parseUrl(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new DatabaseUnavailableError(`DATABASE_URL names no database: ${redactUrl(databaseUrl)}`);
  const client = await connectMaintenance(databaseUrl);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(
      `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`,
    );
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(parseUrl(databaseUrl).pathname.replace(/^\//, ''));
  const client = await connectMaintenance(databaseUrl);
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function withDatabase(databaseUrl: string, name: string): string {
  const url = parseUrl(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
