import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LocalKafkaError } from '../local-kafka';

/**
 * Kyodo's own principals on the secured broker, each a SCRAM-SHA-512 user with a password generated
 * here and kept in one file of mode 0600 (never printed, except in `infra up --secure --json`'s `env`).
 *
 * - `kyodo-broker`: the broker itself between its listeners (super user);
 * - `kyodo-admin`: `registry import`, `infra up` and the other commands (super user: it creates topics,
 *   SCRAM users and ACLs);
 * - `kyodo-gateway`, `kyodo-audit`, `kyodo-api`: the apps run on their own, with only their jobs' ACLs.
 */
export const KYODO_PRINCIPALS = ['broker', 'admin', 'gateway', 'audit', 'api'] as const;
export type KyodoPrincipal = (typeof KYODO_PRINCIPALS)[number];

export type PrincipalCredentials = Readonly<Record<KyodoPrincipal, { username: string; password: string }>>;

export function principalName(principal: KyodoPrincipal): string {
  return `kyodo-${principal}`;
}

/** Reads the credentials file, or makes it (mode 0600) when absent. */
export function ensureCredentials(file: string): PrincipalCredentials {
  if (existsSync(file)) return readCredentials(file);
  const made = Object.fromEntries(
    KYODO_PRINCIPALS.map((p) => [p, { username: principalName(p), password: newPassword() }]),
  ) as PrincipalCredentials;
  writeFileSync(file, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return made;
}

export function readCredentials(file: string): PrincipalCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LocalKafkaError(
      `cannot read the secured broker's credentials ${file}: ${(error as Error).message}`,
    );
  }
  for (const p of KYODO_PRINCIPALS) {
    const entry = (parsed as Record<string, { username?: unknown; password?: unknown }>)[p];
    if (typeof entry?.username !== 'string' || typeof entry.password !== 'string') {
      throw new LocalKafkaError(`the secured broker's credentials ${file} lack the ${p} principal`);
    }
  }
  return parsed as PrincipalCredentials;
}

/** 32 characters of base64url: no quoting needed in a JAAS line or a shell. */
function newPassword(): string {
  return randomBytes(24).toString('base64url');
}
