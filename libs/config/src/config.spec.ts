import { join } from 'node:path';
import {
  ConfigError,
  DEVELOPMENT_HMAC_KEY,
  MIN_HMAC_KEY_BYTES,
  loadConfig,
  requireProductionSecrets,
  type KyodoConfig,
} from './config';

const KEY = 'k'.repeat(MIN_HMAC_KEY_BYTES);
/** A fixed home for the cache defaults, so the result does not depend on who runs the test. */
const BASE = { XDG_CACHE_HOME: '/xdg' };

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig', () => {
  it('has a default for everything', () => {
    const config = loadConfig({ ...BASE });
    expect(config).toEqual<KyodoConfig>({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaBrokersFromEnv: false,
      kafkaClientId: 'kyodo',
      kafkaClient: 'platformatic',
      compression: 'lz4',
      overlapBatches: true,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/kyodo',
      topicPrefix: 'kyodo',
      httpPort: 8080,
      auditHmacKey: DEVELOPMENT_HMAC_KEY,
      auditHmacKeyFromEnv: false,
      allowDevelopmentKey: false,
      logLevel: 'info',
      logLevelFromEnv: false,
      cacheDir: join('/xdg', 'kyodo'),
      stateDir: join('/xdg', 'kyodo', 'state'),
      registryRefreshMs: 2000,
      registryMaxStalenessMs: 60_000,
      registryCacheSupplyPoints: 100_000,
      partitionsPerTopic: 3,
      instanceId: undefined,
      duplicateWindowMs: 7 * 24 * 3600_000,
      policyFile: undefined,
      outboxRetentionMs: 14 * 24 * 3600 * 1000,
      dlqRetentionMs: 14 * 24 * 3600 * 1000,
      auditScheduleMs: 24 * 3600 * 1000,
      auditFirstRunMs: 60_000,
      kafkaSecurity: undefined,
      topicReplication: { replicationFactor: 1, minInsyncReplicas: 1 },
      http: { host: '0.0.0.0', tls: undefined, rateLimitPerMinute: 600, bodyLimitBytes: 1048576 },
      auditAnchorKey: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      KAFKA_BROKERS: ' k1:9092 , k2:19092,',
      KYODO_CLIENT_ID: 'client',
      DATABASE_URL: 'postgresql://app:secret@db:5433/kyodo_prod',
      KYODO_TOPIC_PREFIX: 'acme.kyodo-1',
      KYODO_HTTP_PORT: '0',
      KYODO_AUDIT_HMAC_KEY: KEY,
      KYODO_ALLOW_DEVELOPMENT_KEY: '1',
      KYODO_LOG_LEVEL: 'debug',
      KYODO_CACHE_DIR: '/cache',
      KYODO_STATE_DIR: '/state',
      KYODO_REGISTRY_REFRESH_MS: '100',
      KYODO_REGISTRY_MAX_STALENESS_MS: '5000',
      KYODO_REGISTRY_CACHE_SUPPLY_POINTS: '5000',
      KYODO_PARTITIONS: '12',
      KYODO_INSTANCE_ID: 'kyodo-1',
      KYODO_KAFKA_CLIENT: 'kafkajs',
      KYODO_COMPRESSION: 'zstd',
      KYODO_OVERLAP_BATCHES: '0',
      KYODO_DUPLICATE_WINDOW_HOURS: '48',
      KYODO_POLICY_FILE: '/etc/kyodo/policy.yaml',
      KYODO_OUTBOX_RETENTION_MS: '86400000',
      KYODO_DLQ_RETENTION_MS: '172800000',
      KYODO_AUDIT_SCHEDULE_MS: '3600000',
      KYODO_AUDIT_FIRST_RUN_MS: '0',
    });
    expect(config).toEqual<KyodoConfig>({
      kafkaBrokers: ['k1:9092', 'k2:19092'],
      kafkaBrokersFromEnv: true,
      kafkaClientId: 'client',
      kafkaClient: 'kafkajs',
      compression: 'zstd',
      overlapBatches: false,
      databaseUrl: 'postgresql://app:secret@db:5433/kyodo_prod',
      topicPrefix: 'acme.kyodo-1',
      httpPort: 0,
      auditHmacKey: KEY,
      auditHmacKeyFromEnv: true,
      allowDevelopmentKey: true,
      logLevel: 'debug',
      logLevelFromEnv: true,
      cacheDir: '/cache',
      stateDir: '/state',
      registryRefreshMs: 100,
      registryMaxStalenessMs: 5000,
      registryCacheSupplyPoints: 5000,
      partitionsPerTopic: 12,
      instanceId: 'kyodo-1',
      duplicateWindowMs: 48 * 3600_000,
      policyFile: '/etc/kyodo/policy.yaml',
      outboxRetentionMs: 86_400_000,
      dlqRetentionMs: 172_800_000,
      auditScheduleMs: 3_600_000,
      auditFirstRunMs: 0,
      kafkaSecurity: undefined,
      topicReplication: { replicationFactor: 1, minInsyncReplicas: 1 },
      http: { host: '0.0.0.0', tls: undefined, rateLimitPerMinute: 600, bodyLimitBytes: 1048576 },
      auditAnchorKey: undefined,
    });
  });

  it('keeps the state directory under the cache directory unless told otherwise', () => {
    expect(loadConfig({ KYODO_CACHE_DIR: '/c' })).toMatchObject({
      cacheDir: '/c',
      stateDir: join('/c', 'state'),
    });
  });

  it.each([
    ['', 'an empty variable', undefined],
    ['policy.yaml', 'a file', 'policy.yaml'],
  ])('KYODO_POLICY_FILE=%j: %s', (value, _what, expected) => {
    expect(loadConfig({ ...BASE, KYODO_POLICY_FILE: value }).policyFile).toBe(expected);
  });

  it.each([
    [{ KYODO_HTTP_PORT: '' }, 'httpPort', 8080],
    [{ KYODO_PARTITIONS: '' }, 'partitionsPerTopic', 3],
    [{ KYODO_REGISTRY_REFRESH_MS: '' }, 'registryRefreshMs', 2000],
    [{ KYODO_REGISTRY_MAX_STALENESS_MS: '' }, 'registryMaxStalenessMs', 60_000],
    [{ KYODO_LOG_LEVEL: '' }, 'logLevel', 'info'],
    [{ KYODO_LOG_LEVEL: '' }, 'logLevelFromEnv', false],
  ] as const)('an empty %j takes the default', (env, key, expected) => {
    expect(loadConfig({ ...BASE, ...env })[key]).toBe(expected);
  });

  it('refuses a registry staleness bound that is not a positive integer or not longer than the refresh interval', () => {
    expect(configError({ ...BASE, KYODO_REGISTRY_MAX_STALENESS_MS: '1m' }).message).toBe(
      'KYODO_REGISTRY_MAX_STALENESS_MS must be an integer >= 1, got "1m"',
    );
    expect(
      configError({ ...BASE, KYODO_REGISTRY_REFRESH_MS: '2000', KYODO_REGISTRY_MAX_STALENESS_MS: '2000' })
        .message,
    ).toMatch(
      /KYODO_REGISTRY_MAX_STALENESS_MS \(2000\) must be longer than KYODO_REGISTRY_REFRESH_MS \(2000\)/,
    );
  });

  describe('the audit HMAC key', () => {
    it.each([
      ['exactly the minimum', 'x'.repeat(MIN_HMAC_KEY_BYTES)],
      ['a hex key', 'a'.repeat(64)],
      ['16 bytes of UTF-8 in fewer characters', 'キー'.repeat(3)],
    ])('accepts %s', (_what, key) => {
      const config = loadConfig({ ...BASE, KYODO_AUDIT_HMAC_KEY: key });
      expect(config.auditHmacKey).toBe(key);
      expect(config.auditHmacKeyFromEnv).toBe(true);
    });

    it.each([
      ['an empty key', '', /KYODO_AUDIT_HMAC_KEY is set but empty/],
      ['a key one byte short', 'x'.repeat(MIN_HMAC_KEY_BYTES - 1), /KYODO_AUDIT_HMAC_KEY is 15 bytes long/],
      ['a short key of multi-byte characters', 'キー', /KYODO_AUDIT_HMAC_KEY is 6 bytes long/],
    ])('refuses %s', (_what, key, message) => {
      const error = configError({ ...BASE, KYODO_AUDIT_HMAC_KEY: key });
      expect(error.message).toMatch(message);
      expect(error.message).toContain('at least 16');
    });

    it.each([
      [undefined, false],
      ['', false],
      ['0', false],
      ['false', false],
      ['1', true],
      ['true', true],
    ])('KYODO_ALLOW_DEVELOPMENT_KEY=%j allows the development key: %s', (value, expected) => {
      expect(loadConfig({ ...BASE, KYODO_ALLOW_DEVELOPMENT_KEY: value }).allowDevelopmentKey).toBe(expected);
    });
  });

  describe('refuses', () => {
    it.each([
      [
        'KAFKA_BROKERS naming no broker',
        { KAFKA_BROKERS: ' , ' },
        /KAFKA_BROKERS is set but names no broker/,
      ],
      ['KAFKA_BROKERS set but empty', { KAFKA_BROKERS: '' }, /KAFKA_BROKERS is set but names no broker/],
      [
        'a broker without a port',
        { KAFKA_BROKERS: 'k1:9092,k2' },
        /KAFKA_BROKERS entry "k2" is not host:port/,
      ],
      ['a broker with a bad port', { KAFKA_BROKERS: 'k1:port' }, /KAFKA_BROKERS entry "k1:port"/],
      [
        'a topic prefix with a slash',
        { KYODO_TOPIC_PREFIX: 'a/b' },
        /KYODO_TOPIC_PREFIX "a\/b" is not a valid/,
      ],
      ['an empty topic prefix', { KYODO_TOPIC_PREFIX: '' }, /KYODO_TOPIC_PREFIX "" is not a valid/],
      ['a topic prefix over 100 characters', { KYODO_TOPIC_PREFIX: 'p'.repeat(101) }, /KYODO_TOPIC_PREFIX/],
      [
        'a database URL of another scheme',
        { DATABASE_URL: 'mysql://db/kyodo' },
        /DATABASE_URL must be a postgres:\/\//,
      ],
      [
        'a port that is not a number',
        { KYODO_HTTP_PORT: 'http' },
        /KYODO_HTTP_PORT must be an integer >= 0, got "http"/,
      ],
      ['a negative port', { KYODO_HTTP_PORT: '-1' }, /KYODO_HTTP_PORT must be an integer >= 0/],
      [
        'a fractional partition count',
        { KYODO_PARTITIONS: '1.5' },
        /KYODO_PARTITIONS must be an integer >= 1/,
      ],
      ['zero partitions', { KYODO_PARTITIONS: '0' }, /KYODO_PARTITIONS must be an integer >= 1, got "0"/],
      [
        'a registry refresh under 100 ms',
        { KYODO_REGISTRY_REFRESH_MS: '99' },
        /KYODO_REGISTRY_REFRESH_MS must be an integer >= 100/,
      ],
      [
        'an unclear development-key switch',
        { KYODO_ALLOW_DEVELOPMENT_KEY: 'yes' },
        /KYODO_ALLOW_DEVELOPMENT_KEY must be 1 or 0/,
      ],
    ])('%s', (_what, env, message) => {
      expect(configError({ ...BASE, ...env }).message).toMatch(message);
    });

    it('a bad database URL without repeating it (it may hold a password)', () => {
      const error = configError({ ...BASE, DATABASE_URL: 'mysql://app:hunter2@db/kyodo' });
      expect(error.message).not.toContain('hunter2');
    });
  });
});

describe('requireProductionSecrets', () => {
  it('refuses a process without KYODO_AUDIT_HMAC_KEY, saying why', () => {
    const config = loadConfig({ ...BASE });
    expect(() => requireProductionSecrets(config)).toThrow(ConfigError);
    expect(() => requireProductionSecrets(config)).toThrow(
      'KYODO_AUDIT_HMAC_KEY must be set: without it anyone who can read the audit can test guessed supply point ids against their HMACs',
    );
    expect(() => requireProductionSecrets(config)).toThrow(/KYODO_ALLOW_DEVELOPMENT_KEY=1/);
  });

  it('refuses the development key set explicitly', () => {
    const config = loadConfig({ ...BASE, KYODO_AUDIT_HMAC_KEY: DEVELOPMENT_HMAC_KEY });
    expect(() => requireProductionSecrets(config)).toThrow(/published development key/);
  });

  it('accepts a key of its own', () => {
    expect(() => requireProductionSecrets(loadConfig({ ...BASE, KYODO_AUDIT_HMAC_KEY: KEY }))).not.toThrow();
  });

  it('accepts the development key when KYODO_ALLOW_DEVELOPMENT_KEY=1', () => {
    const config = loadConfig({ ...BASE, KYODO_ALLOW_DEVELOPMENT_KEY: '1' });
    expect(config.auditHmacKey).toBe(DEVELOPMENT_HMAC_KEY);
    expect(() => requireProductionSecrets(config)).not.toThrow();
  });

  it('refuses an unknown Kafka client and an instance id that cannot name a transactional id', () => {
    expect(configError({ KYODO_KAFKA_CLIENT: 'rdkafka' }).message).toMatch(
      /platformatic or kafkajs.*rdkafka/,
    );
    expect(configError({ KYODO_INSTANCE_ID: 'a b' }).message).toMatch(/KYODO_INSTANCE_ID.*"a b"/);
    expect(configError({ KYODO_DUPLICATE_WINDOW_HOURS: '0' }).message).toMatch(
      /KYODO_DUPLICATE_WINDOW_HOURS/,
    );
    expect(configError({ KYODO_COMPRESSION: 'brotli' }).message).toMatch(/KYODO_COMPRESSION.*lz4.*"brotli"/);
  });
});
