import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { loadConfig } from '@kyodo/config';
import { SecureLocalKafka, type KyodoPrincipal } from '@kyodo/infra';
import { kafkaJsSecurity, type KafkaSecurity } from '@kyodo/kafka';
import { REPO_ROOT } from './environment';

/**
 * The secured broker of `kyodo infra up --secure` for the tests that need it: started by the first
 * test file that asks (on a fresh machine: certificates, storage and start), reused by the others and
 * by later runs, and left running like the plain local broker (`kyodo infra down --secure` stops it).
 * Party principals are global on a broker, so each test file names its parties uniquely.
 */
export interface SecureBroker {
  readonly brokers: string[];
  readonly ca: string;
  /** What `infra up --secure --json` prints in `env`: Kyodo's admin principal. */
  readonly env: Readonly<Record<string, string>>;
  /** How long this file waited for the broker, and whether it started it. */
  readonly startSeconds: number;
  readonly state: 'started' | 'reused';
  security(principal: KyodoPrincipal): KafkaSecurity;
  /** A party's (or anyone's) SCRAM-over-TLS options. */
  as(username: string, password: string): KafkaSecurity;
}

export async function secureBroker(): Promise<SecureBroker> {
  const config = loadConfig({ ...process.env, KAFKA_BROKERS: undefined });
  const local = new SecureLocalKafka({
    repoRoot: REPO_ROOT,
    cacheDir: config.cacheDir,
    stateDir: config.stateDir,
    progress: (line) => process.stderr.write(`[secure-broker] ${line}\n`),
  });
  const startedAt = performance.now();
  const status = await local.up();
  const startSeconds = (performance.now() - startedAt) / 1000;
  const ca = readFileSync(status.caFile, 'utf8');
  return {
    brokers: status.brokers,
    ca,
    env: status.env,
    startSeconds,
    state: status.state,
    security: (principal) => local.securityFor(principal),
    as: (username, password) => ({
      tls: { ca },
      sasl: { mechanism: 'scram-sha-512', username, password },
    }),
  };
}

/** A raw kafkajs client, as a party's own software would make one: no retries, so refusals show at once. */
export function partyKafka(
  brokers: readonly string[],
  security: KafkaSecurity | undefined,
  extra: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    clientId: 'party-under-test',
    brokers: [...brokers],
    ...kafkaJsSecurity(security),
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    ...extra,
  });
}

/** `kyodo ARGS` as a separate process (the compiled CLI, built by the global setup). */
export function runKyodo(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // The caller's settings are dropped, except where the local brokers live (KYODO_CACHE_DIR), so the
  // command finds the same brokers the tests started.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name === 'KYODO_CACHE_DIR' || !/^(KYODO_|KAFKA_|DATABASE_URL$)/.test(name),
    ),
  );
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kyodo.js'), ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}
