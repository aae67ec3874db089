import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@kyodo/config';
import { LocalKafka } from '@kyodo/infra';

/**
 * The one place that decides where the tests' Kafka and PostgreSQL come from:
 * 1. KAFKA_BROKERS / DATABASE_URL when set (an existing cluster and server);
 * 2. otherwise testcontainers, when a Docker engine answers;
 * 3. otherwise the project's local broker (`kyodo infra up`) and the local PostgreSQL server.
 */
export interface TestEnvironment {
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly kafkaSource: 'env' | 'testcontainers' | 'local';
  readonly databaseSource: 'env' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

export const REPO_ROOT = resolve(__dirname, '..', '..');

function log(line: string): void {
  process.stderr.write(`[test-env] ${line}\n`);
}

async function dockerAnswers(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export async function resolveTestEnvironment(): Promise<TestEnvironment> {
  const config = loadConfig();
  const stops: (() => Promise<void>)[] = [];
  const docker = config.kafkaBrokersFromEnv && process.env.DATABASE_URL ? false : await dockerAnswers();

  let brokers: string[];
  let kafkaSource: TestEnvironment['kafkaSource'];
  if (config.kafkaBrokersFromEnv) {
    brokers = [...config.kafkaBrokers];
    kafkaSource = 'env';
  } else if (docker) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const kafka = await new KafkaContainer('apache/kafka:4.1.1').withKraft().start();
    stops.push(async () => void (await kafka.stop()));
    brokers = [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`];
    kafkaSource = 'testcontainers';
  } else {
    const local = new LocalKafka({
      repoRoot: REPO_ROOT,
      cacheDir: config.cacheDir,
      stateDir: config.stateDir,
      progress: log,
    });
    brokers = (await local.up()).brokers;
    kafkaSource = 'local';
  }

  let databaseUrl: string;
  let databaseSource: TestEnvironment['databaseSource'];
  if (process.env.DATABASE_URL) {
    databaseUrl = process.env.DATABASE_URL;
    databaseSource = 'env';
  } else if (docker) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer('postgres:16').start();
    stops.push(async () => void (await pg.stop()));
    databaseUrl = pg.getConnectionUri();
    databaseSource = 'testcontainers';
  } else {
    databaseUrl = config.databaseUrl;
    databaseSource = 'local';
  }
  log(
    `Kafka ${brokers.join(',')} (${kafkaSource}); PostgreSQL ${new URL(databaseUrl).host} (${databaseSource})`,
  );
  return {
    brokers,
    databaseUrl,
    kafkaSource,
    databaseSource,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
