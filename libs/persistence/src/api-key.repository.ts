import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

export const API_KEY_ROLES = ['auditor', 'registry-admin', 'privacy-officer', 'party'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKey {
  readonly id: string;
  readonly role: ApiKeyRole;
  /** (v1.1) For role `party` only: the party the key acts as (its HTTP mailbox and inbox); else null. */
  readonly partyId: string | null;
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

/** A key of role `party` without a registered party, or another role with one. */
export class ApiKeyPartyError extends Error {
  override readonly name = 'ApiKeyPartyError';
}

/** SHA-256 (hex) of an API key secret: what is stored and looked up. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

interface ApiKeyDbRow {
  id: string;
  role: ApiKeyRole;
  party_id: string | null;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, role, party_id, prefix, created_at, revoked_at';

export class ApiKeyRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * A new key with a random 256-bit secret, returned once. Role `party` needs `partyId`, a registered
   * party (an ApiKeyPartyError otherwise); the other roles take none.
   */
  async create(role: ApiKeyRole, options: { partyId?: string } = {}): Promise<CreatedApiKey> {
    if (!API_KEY_ROLES.includes(role)) throw new RangeError(`unknown API key role ${JSON.stringify(role)}`);
    const partyId = options.partyId ?? null;
    if ((role === 'party') !== (partyId !== null)) {
      throw new ApiKeyPartyError(
        role === 'party' ? 'a key of role party needs --party ID' : `a key of role ${role} names no party`,
      );
    }
    if (partyId !== null) {
      const found = rowsOf<{ id: string }>(
        await this.ds.query(`SELECT id FROM party WHERE id = $1`, [partyId]),
      );
      if (found.length === 0) throw new ApiKeyPartyError(`${partyId} is not a registered party`);
    }
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rows: ApiKeyDbRow[] = await this.ds.query(
      `INSERT INTO api_key (id, role, party_id, key_hash, prefix) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [randomUUID(), role, partyId, hashApiKey(secret), secret.slice(0, DISPLAY_PREFIX_LENGTH)],
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
    partyId: row.party_id,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  };
}
