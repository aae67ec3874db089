import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** Everything Kyodo reads from its environment, parsed once at boot. Nothing else reads process.env. */
export interface KyodoConfig {
  /** Comma-separated list in KAFKA_BROKERS; `undefined` when unset, meaning "use the local broker". */
  readonly kafkaBrokers: readonly string[];
  readonly kafkaBrokersFromEnv: boolean;
  readonly kafkaClientId: string;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly httpPort: number;
  /** Key for the keyed HMAC that stands in for supply point ids in the audit trail. */
  readonly auditHmacKey: string;
  readonly auditHmacKeyFromEnv: boolean;
  readonly logLevel: string;
  /** Where `infra up` keeps the Kafka jars and the broker's data; outside the repository. */
  readonly cacheDir: string;
  readonly stateDir: string;
  /** How often the gateway re-reads the registry, in milliseconds. */
  readonly registryRefreshMs: number;
  readonly partitionsPerTopic: number;
  /** Names this instance's transactional producer; a restarted instance with the same id fences its predecessor. */
  readonly instanceId: string;
  /** A policy file to use instead of the embedded default. */
  readonly policyFile: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEFAULT_BROKERS = '127.0.0.1:9092';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/kyodo';
/** Development-only HMAC key; production must set KYODO_AUDIT_HMAC_KEY (checked by `assertProductionReady`). */
export const DEVELOPMENT_HMAC_KEY = 'kyodo-development-only-hmac-key';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
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
    throw new ConfigError(`DATABASE_URL must be a postgres:// URL, got ${JSON.stringify(databaseUrl)}`);
  }
  const cacheDir = env.KYODO_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kyodo');
  return {
    kafkaBrokers: brokers,
    kafkaBrokersFromEnv: env.KAFKA_BROKERS !== undefined && env.KAFKA_BROKERS !== '',
    kafkaClientId: env.KYODO_CLIENT_ID ?? 'kyodo',
    databaseUrl,
    topicPrefix,
    httpPort: int(env, 'KYODO_HTTP_PORT', 8080, 0),
    auditHmacKey: env.KYODO_AUDIT_HMAC_KEY ?? DEVELOPMENT_HMAC_KEY,
    auditHmacKeyFromEnv: env.KYODO_AUDIT_HMAC_KEY !== undefined,
    logLevel: env.KYODO_LOG_LEVEL ?? 'info',
    cacheDir,
    stateDir: env.KYODO_STATE_DIR ?? join(cacheDir, 'state'),
    registryRefreshMs: int(env, 'KYODO_REGISTRY_REFRESH_MS', 2000, 100),
    partitionsPerTopic: int(env, 'KYODO_PARTITIONS', 3, 1),
    instanceId: env.KYODO_INSTANCE_ID ?? hostname(),
    policyFile: env.KYODO_POLICY_FILE || undefined,
  };
}
