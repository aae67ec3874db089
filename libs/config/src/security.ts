import { readFileSync } from 'node:fs';

// How Kyodo reaches a secured broker and serves HTTP in production, read from the environment once,
// with `loadConfig`. Errors name the variable and never repeat a password.

/** The same shape as `KafkaSecurity` in libs/kafka (config depends on nothing, so it is restated here). */
export interface KafkaSecurityConfig {
  readonly tls?: { readonly ca?: string };
  readonly sasl?: {
    readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain';
    readonly username: string;
    readonly password: string;
  };
}

/** The HTTP API's production posture. */
export interface HttpServerConfig {
  /** KYODO_HTTP_HOST: the address the HTTP server binds (default 0.0.0.0). */
  readonly host: string;
  /** KYODO_HTTP_TLS_CERT_FILE / KYODO_HTTP_TLS_KEY_FILE: PEM; both or neither. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** KYODO_HTTP_RATE_LIMIT: requests per client address per minute under /v1/ (default 600; 0 = off). */
  readonly rateLimitPerMinute: number;
  /** KYODO_HTTP_BODY_LIMIT: largest request body, in bytes (default 1 MiB). */
  readonly bodyLimitBytes: number;
}

/** Replication of the topics Kyodo creates. */
export interface TopicReplicationConfig {
  /** KYODO_REPLICATION_FACTOR: default 1 (the local single-node broker); 3 on a 3-broker cluster. */
  readonly replicationFactor: number;
  /** KYODO_MIN_INSYNC_REPLICAS: default 1; 2 on a 3-broker cluster. At most the replication factor. */
  readonly minInsyncReplicas: number;
}

type ConfigErrorClass = new (message: string) => Error;

const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

function readPem(env: NodeJS.ProcessEnv, name: string, Err: ConfigErrorClass): string | undefined {
  const file = env[name];
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Err(`${name}: cannot read ${file}: ${(error as Error).message}`);
  }
  if (!text.includes('-----BEGIN ')) throw new Err(`${name}: ${file} is not a PEM file`);
  return text;
}

/**
 * KAFKA_SASL_MECHANISM (scram-sha-512, scram-sha-256 or plain), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
 * and KAFKA_TLS_CA_FILE (PEM of the CA that signed the brokers' certificates). KAFKA_TLS=1 turns TLS on
 * with the system's CAs. SASL is only ever sent over TLS: a mechanism without TLS is refused.
 */
export function parseKafkaSecurity(
  env: NodeJS.ProcessEnv,
  Err: ConfigErrorClass,
): KafkaSecurityConfig | undefined {
  const ca = readPem(env, 'KAFKA_TLS_CA_FILE', Err);
  const tlsFlag = env.KAFKA_TLS;
  if (tlsFlag !== undefined && !['', '0', '1', 'true', 'false'].includes(tlsFlag)) {
    throw new Err(`KAFKA_TLS must be 1 or 0 (or true / false), got ${JSON.stringify(tlsFlag)}`);
  }
  const tls = ca !== undefined || tlsFlag === '1' || tlsFlag === 'true';
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase() ?? '';
  const username = env.KAFKA_SASL_USERNAME ?? '';
  const password = env.KAFKA_SASL_PASSWORD ?? '';
  if (mechanism === '') {
    if (username !== '' || password !== '') {
      throw new Err('KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not');
    }
    return tls ? { tls: ca === undefined ? {} : { ca } } : undefined;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new Err(
      `KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`,
    );
  }
  if (username === '' || password === '') {
    throw new Err('KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
  }
  if (!tls) {
    throw new Err(
      'KAFKA_SASL_MECHANISM is set without TLS: set KAFKA_TLS_CA_FILE (or KAFKA_TLS=1), so the password never crosses the network in clear',
    );
  }
  return {
    tls: ca === undefined ? {} : { ca },
    sasl: { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password },
  };
}

function intIn(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, Err: ConfigErrorClass) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Err(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parseHttpServer(env: NodeJS.ProcessEnv, Err: ConfigErrorClass): HttpServerConfig {
  const host = env.KYODO_HTTP_HOST || '0.0.0.0';
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) {
    throw new Err(`KYODO_HTTP_HOST ${JSON.stringify(host)} is not a host name or address`);
  }
  const cert = readPem(env, 'KYODO_HTTP_TLS_CERT_FILE', Err);
  const key = readPem(env, 'KYODO_HTTP_TLS_KEY_FILE', Err);
  if ((cert === undefined) !== (key === undefined)) {
    throw new Err('KYODO_HTTP_TLS_CERT_FILE and KYODO_HTTP_TLS_KEY_FILE go together: set both or neither');
  }
  return {
    host,
    tls: cert !== undefined && key !== undefined ? { cert, key } : undefined,
    rateLimitPerMinute: intIn(env, 'KYODO_HTTP_RATE_LIMIT', 600, 0, Err),
    bodyLimitBytes: intIn(env, 'KYODO_HTTP_BODY_LIMIT', 1024 * 1024, 1, Err),
  };
}

export function parseTopicReplication(env: NodeJS.ProcessEnv, Err: ConfigErrorClass): TopicReplicationConfig {
  const replicationFactor = intIn(env, 'KYODO_REPLICATION_FACTOR', 1, 1, Err);
  const minInsyncReplicas = intIn(env, 'KYODO_MIN_INSYNC_REPLICAS', 1, 1, Err);
  if (minInsyncReplicas > replicationFactor) {
    throw new Err(
      `KYODO_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) exceeds KYODO_REPLICATION_FACTOR (${replicationFactor}): no write could ever succeed`,
    );
  }
  return { replicationFactor, minInsyncReplicas };
}

/** KYODO_AUDIT_ANCHOR_KEY: at least 16 bytes when set; keep it away from the database it vouches for. */
export function parseAnchorKey(env: NodeJS.ProcessEnv, Err: ConfigErrorClass): string | undefined {
  const key = env.KYODO_AUDIT_ANCHOR_KEY;
  if (key === undefined || key === '') return undefined;
  if (Buffer.byteLength(key, 'utf8') < 16) {
    throw new Err(
      'KYODO_AUDIT_ANCHOR_KEY must be at least 16 bytes (a random key, such as `openssl rand -hex 32`)',
    );
  }
  return key;
}
