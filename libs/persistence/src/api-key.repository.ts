import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

export const API_KEY_ROLES = ['auditor', 'registry-admin', 'privacy-officer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKey {
  readonly id: string;
  readonly role: ApiKeyRole;
  /** The first characters of the secret, to tell keys apart in listings and logs. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** Shown once; only its SHA-256 is stored. */
  readonly secret: string;
}

const SECRET_PREFIX = 'kyodo_';
const DISPLAY_PREFIX_LENGTH = SECRET_PREFIX.length + 8;

/** SHA-256 (hex) of an API key secret: what is stored and looked up. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

interface ApiKeyDbRow {
  id: string;
  role: ApiKeyRole;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, role, prefix, created_at, revoked_at';

export class ApiKeyRepository {
  constructor(private readonly ds: DataSource) {}

  /** A new key with a random 256-bit secret, returned once. */
  async create(role: ApiKeyRole): Promise<CreatedApiKey> {
    if (!API_KEY_ROLES.includes(role)) throw new RangeError(`unknown API key role ${JSON.stringify(role)}`);
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rows: ApiKeyDbRow[] = await this.ds.query(
      `INSERT INTO api_key (id, role, key_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [randomUUID(), role, hashApiKey(secret), secret.slice(0, DISPLAY_PREFIX_LENGTH)],
    );
    return { ...toApiKey(rows[0]), secret };
  }

  /** The key with this hash, revoked or not. */
  async findByHash(keyHash: string): Promise<ApiKey | undefined> {
    const rows: ApiKeyDbRow[] = await this.ds.query(`SELECT ${COLUMNS} FROM api_key WHERE key_hash = $1`, [
      keyHash,
    ]);
    return rows[0] ? toApiKey(rows[0]) : undefined;
  }

  /** The key a bearer secret stands for, if it exists and is not revoked. */
  async findActiveBySecret(secret: string): Promise<ApiKey | undefined> {
    const key = await this.findByHash(hashApiKey(secret));
    return key && key.revokedAt === null ? key : undefined;
  }

  /** Revokes a key; false when there is no such key or it was already revoked. */
  async revoke(id: string): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id],
    );
    return rowsOf<{ id: string }>(result).length > 0;
  }

  async list(): Promise<ApiKey[]> {
    const rows: ApiKeyDbRow[] = await this.ds.query(`SELECT ${COLUMNS} FROM api_key ORDER BY created_at, id`);
    return rows.map(toApiKey);
  }
}

function toApiKey(row: ApiKeyDbRow): ApiKey {
  return {
    id: row.id,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  };
}
