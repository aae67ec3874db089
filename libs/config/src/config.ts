import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  parseHttpServer,
  parseAnchorKey,
  parseKafkaSecurity,
  parseTopicReplication,
  type HttpServerConfig,
  type KafkaSecurityConfig,
  type TopicReplicationConfig,
} from './security';

/** Everything Kyodo reads from its environment, parsed once at boot. Nothing else reads process.env. */
export interface KyodoConfig {
  /** Comma-separated list in KAFKA_BROKERS; the local broker (`127.0.0.1:9092`) when unset. */
  readonly kafkaBrokers: readonly string[];
  /** Whether KAFKA_BROKERS was set: then `infra up` and the tests start no broker of their own. */
  readonly kafkaBrokersFromEnv: boolean;
  readonly kafkaClientId: string;
  /** KYODO_KAFKA_CLIENT: the Kafka adapter, `platformatic` (default; fences by generation) or `kafkajs`. */
  readonly kafkaClient: 'platformatic' | 'kafkajs';
  /** KYODO_COMPRESSION: of what the gateway writes (the platformatic client; kafkajs writes uncompressed). */
  readonly compression: 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy';
  /**
   * KYODO_OVERLAP_BATCHES (default 1): under backlog the gateway routes its next batch while the previous
   * one commits (the platformatic client; kafkajs always works one batch at a time).
   */
  readonly overlapBatches: boolean;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly httpPort: number;
  /**
   * Key for the keyed HMAC that stands in for supply point ids in the audit trail: KYODO_AUDIT_HMAC_KEY,
   * at least 16 bytes, or the published development key when unset (see requireProductionSecrets).
   */
  readonly auditHmacKey: string;
  readonly auditHmacKeyFromEnv: boolean;
  /**
   * KYODO_ALLOW_DEVELOPMENT_KEY=1: the long-running commands accept the published development HMAC key
   * (local trials, `docker compose up` without a key). Never in production.
   */
  readonly allowDevelopmentKey: boolean;
  /** KYODO_LOG_LEVEL: trace, debug, info (the default), warn, error, fatal or silent. */
  readonly logLevel: string;
  /** Whether KYODO_LOG_LEVEL was set (the demo is quieter than `info` unless asked). */
  readonly logLevelFromEnv: boolean;
  /** Where `infra up` keeps the Kafka jars and the broker's data; outside the repository. */
  readonly cacheDir: string;
  readonly stateDir: string;
  /** How often the gateway re-reads the registry, in milliseconds. */
  readonly registryRefreshMs: number;
  /**
   * KYODO_REGISTRY_MAX_STALENESS_MS (default 60000, contract v1.1): when the gateway's last successful
   * registry refresh is older than this, it delivers nothing under consented-third-party until the
   * registry is current again (a revocation may be missing); other relations continue.
   */
  readonly registryMaxStalenessMs: number;
  /** How many supply points' enrollments and consents a gateway keeps between batches (an LRU cache). */
  readonly registryCacheSupplyPoints: number;
  readonly partitionsPerTopic: number;
  /**
   * KYODO_INSTANCE_ID: names this instance's transactional producer, so a restarted instance fences its
   * predecessor's open transaction. Unset: the gateway takes the lowest free slot (`0`, `1`, …) by a
   * lease in PostgreSQL. Either way two running instances never share one.
   */
  readonly instanceId: string | undefined;
  /** How long an accepted (source, id) is remembered to refuse a re-sent event, in milliseconds. */
  readonly duplicateWindowMs: number;
  /** A policy file to use instead of the embedded default. */
  readonly policyFile: string | undefined;
  /** retention.ms of the outboxes Kyodo creates (KYODO_OUTBOX_RETENTION_MS, default 14 days). */
  readonly outboxRetentionMs: number;
  /** retention.ms of the dead-letter topic (KYODO_DLQ_RETENTION_MS, default 14 days). */
  readonly dlqRetentionMs: number;
  /** How often `kyodo run` verifies the chain and reconciles (KYODO_AUDIT_SCHEDULE_MS, default daily). */
  readonly auditScheduleMs: number;
  /** How soon after start the first regular audit runs (KYODO_AUDIT_FIRST_RUN_MS, default 1 minute). */
  readonly auditFirstRunMs: number;
  /** TLS and SASL towards Kafka (KAFKA_SASL_*, KAFKA_TLS_CA_FILE); undefined: plaintext. */
  readonly kafkaSecurity?: KafkaSecurityConfig;
  /** Replication factor and min.insync.replicas of created topics (KYODO_REPLICATION_FACTOR, …). */
  readonly topicReplication?: TopicReplicationConfig;
  /** Bind address, TLS, rate and body limits of the HTTP server (KYODO_HTTP_*). */
  readonly http?: HttpServerConfig;
  /** KYODO_AUDIT_ANCHOR_KEY: signs and checks the audit anchor files (`audit anchor`, `audit verify --anchor`). */
  readonly auditAnchorKey?: string;
}

const DAY_MS = 24 * 3600 * 1000;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEFAULT_BROKERS = '127.0.0.1:9092';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/kyodo';
/**
 * Development-only HMAC key, used when KYODO_AUDIT_HMAC_KEY is unset. It is public (it is in this file),
 * so the commands that write or serve the audit refuse it unless KYODO_ALLOW_DEVELOPMENT_KEY=1 (see
 * requireProductionSecrets).
 */
export const DEVELOPMENT_HMAC_KEY = 'kyodo-development-only-hmac-key';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** Shortest KYODO_AUDIT_HMAC_KEY accepted, in bytes (UTF-8). */
export const MIN_HMAC_KEY_BYTES = 16;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0 (or true / false), got ${JSON.stringify(raw)}`);
}

/** KYODO_AUDIT_HMAC_KEY when set (and long enough), else the development key. */
function auditHmacKey(env: NodeJS.ProcessEnv): string {
  const key = env.KYODO_AUDIT_HMAC_KEY;
  if (key === undefined) return DEVELOPMENT_HMAC_KEY;
  if (key === '') {
    throw new ConfigError(
      'KYODO_AUDIT_HMAC_KEY is set but empty: give it a random key of at least 16 bytes, or unset it',
    );
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_HMAC_KEY_BYTES) {
    throw new ConfigError(
      `KYODO_AUDIT_HMAC_KEY is ${bytes} bytes long; it must be at least ${MIN_HMAC_KEY_BYTES} ` +
        '(a random key, such as the output of `openssl rand -hex 32`)',
    );
  }
  return key;
}

function kafkaClient(env: NodeJS.ProcessEnv): KyodoConfig['kafkaClient'] {
  const raw = env.KYODO_KAFKA_CLIENT || 'platformatic';
  if (raw !== 'platformatic' && raw !== 'kafkajs') {
    throw new ConfigError(`KYODO_KAFKA_CLIENT must be platformatic or kafkajs, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

const COMPRESSIONS = ['none', 'gzip', 'lz4', 'zstd', 'snappy'] as const;

function compression(env: NodeJS.ProcessEnv): KyodoConfig['compression'] {
  const raw = env.KYODO_COMPRESSION || 'lz4';
  if (!(COMPRESSIONS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `KYODO_COMPRESSION must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as KyodoConfig['compression'];
}

function instanceId(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.KYODO_INSTANCE_ID;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw)) {
    throw new ConfigError(
      `KYODO_INSTANCE_ID must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KyodoConfig {
  const brokers = (env.KAFKA_BROKERS ?? DEFAULT_BROKERS)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS is set but names no broker');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS entry ${JSON.stringify(broker)} is not host:port`);
    }
  }
  const topicPrefix = env.KYODO_TOPIC_PREFIX ?? 'kyodo';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(topicPrefix)) {
    throw new ConfigError(
      `KYODO_TOPIC_PREFIX ${JSON.stringify(topicPrefix)} is not a valid Kafka topic prefix`,
    );
  }
  const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Only the scheme is named: the value may hold a password.
    throw new ConfigError('DATABASE_URL must be a postgres:// (or postgresql://) URL');
  }
  const logLevel = env.KYODO_LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      `KYODO_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const cacheDir = env.KYODO_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kyodo');
  const registryRefreshMs = int(env, 'KYODO_REGISTRY_REFRESH_MS', 2000, 100);
  const registryMaxStalenessMs = int(env, 'KYODO_REGISTRY_MAX_STALENESS_MS', 60_000, 1);
  if (registryMaxStalenessMs <= registryRefreshMs) {
    throw new ConfigError(
      `KYODO_REGISTRY_MAX_STALENESS_MS (${registryMaxStalenessMs}) must be longer than ` +
        `KYODO_REGISTRY_REFRESH_MS (${registryRefreshMs}): otherwise the registry counts as stale between two refreshes`,
    );
  }
  return {
    kafkaBrokers: brokers,
    kafkaBrokersFromEnv: env.KAFKA_BROKERS !== undefined && env.KAFKA_BROKERS !== '',
    kafkaClientId: env.KYODO_CLIENT_ID ?? 'kyodo',
    kafkaClient: kafkaClient(env),
    compression: compression(env),
    overlapBatches: !env.KYODO_OVERLAP_BATCHES || flag(env, 'KYODO_OVERLAP_BATCHES'),
    databaseUrl,
    topicPrefix,
    httpPort: int(env, 'KYODO_HTTP_PORT', 8080, 0),
    auditHmacKey: auditHmacKey(env),
    auditHmacKeyFromEnv: env.KYODO_AUDIT_HMAC_KEY !== undefined,
    allowDevelopmentKey: flag(env, 'KYODO_ALLOW_DEVELOPMENT_KEY'),
    logLevel,
    logLevelFromEnv: Boolean(env.KYODO_LOG_LEVEL),
    cacheDir,
    stateDir: env.KYODO_STATE_DIR ?? join(cacheDir, 'state'),
    registryRefreshMs,
    registryMaxStalenessMs,
    registryCacheSupplyPoints: int(env, 'KYODO_REGISTRY_CACHE_SUPPLY_POINTS', 100_000, 1),
    partitionsPerTopic: int(env, 'KYODO_PARTITIONS', 3, 1),
    instanceId: instanceId(env),
    duplicateWindowMs: int(env, 'KYODO_DUPLICATE_WINDOW_HOURS', 7 * 24, 1) * 3600_000,
    policyFile: env.KYODO_POLICY_FILE || undefined,
    outboxRetentionMs: int(env, 'KYODO_OUTBOX_RETENTION_MS', 14 * DAY_MS, 60_000),
    dlqRetentionMs: int(env, 'KYODO_DLQ_RETENTION_MS', 14 * DAY_MS, 60_000),
    auditScheduleMs: int(env, 'KYODO_AUDIT_SCHEDULE_MS', DAY_MS, 1000),
    auditFirstRunMs: int(env, 'KYODO_AUDIT_FIRST_RUN_MS', 60_000, 0),
    kafkaSecurity: parseKafkaSecurity(env, ConfigError),
    topicReplication: parseTopicReplication(env, ConfigError),
    http: parseHttpServer(env, ConfigError),
    auditAnchorKey: parseAnchorKey(env, ConfigError),
  };
}

/**
 * For the processes that write or serve the audit trail (`kyodo run`, the gateway, the audit writer
 * and the API run alone): refuses the published development HMAC key unless KYODO_ALLOW_DEVELOPMENT_KEY=1.
 * With a known key, anyone who can read the audit can test guessed supply point ids against their HMACs.
 */
export function requireProductionSecrets(config: KyodoConfig): void {
  if (config.allowDevelopmentKey) return;
  if (!config.auditHmacKeyFromEnv) {
    throw new ConfigError(
      'KYODO_AUDIT_HMAC_KEY must be set: without it anyone who can read the audit can test guessed ' +
        'supply point ids against their HMACs. Set it to a random key of at least 16 bytes ' +
        '(`openssl rand -hex 32`), or, for a local trial only, set KYODO_ALLOW_DEVELOPMENT_KEY=1.',
    );
  }
  if (config.auditHmacKey === DEVELOPMENT_HMAC_KEY) {
    throw new ConfigError(
      'KYODO_AUDIT_HMAC_KEY is the published development key: anyone who can read the audit could test ' +
        'guessed supply point ids against their HMACs. Set a random key of your own, or, for a local ' +
        'trial only, set KYODO_ALLOW_DEVELOPMENT_KEY=1.',
    );
  }
}
