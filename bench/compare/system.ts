/**
 * Systems under test and their surroundings, shared by the comparison and the scale-out benchmark:
 * a Node.js system in a child process of its own (worker.ts), and a Kyodo gateway's database and topics.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError } from 'commander';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { loadConfig } from '@kyodo/config';
import { ensureDatabase, withDatabase } from '@kyodo/infra';
import { KafkaJsClient, createKafkaClient, type KafkaPort } from '@kyodo/kafka';
import { RegistryRepository, createDataSource, runMigrations } from '@kyodo/persistence';
import { provisionTopics } from '@kyodo/platform';
import type { WorkerSpec, WorkerUsage } from './worker';
import { makeWorkload, parseMix } from './workload';

export const newPrefix = () => `bench${randomBytes(3).toString('hex')}`;

/** A command-line option parser: a positive number. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

/**
 * What a paced single-gateway bench starts from: the configuration, meter readings only, an admin
 * client, a read_committed reader, and a fresh prefix with its group, inboxes and outboxes.
 */
export function pacedStage() {
  const config = loadConfig();
  const workload = makeWorkload(1000, parseMix('100/0/0'));
  const admin = new KafkaJsClient({ brokers: config.kafkaBrokers, clientId: 'bench', defaultPartitions: 1 });
  const reader = createKafkaClient({
    client: 'platformatic',
    brokers: config.kafkaBrokers,
    clientId: 'bench-reader',
  });
  const prefix = newPrefix();
  const topics = topicsFor(prefix);
  return {
    config,
    workload,
    admin,
    reader,
    prefix,
    topics,
    group: `${prefix}.gateway`,
    inboxes: workload.senders.map((s) => topics.inbox(s)),
    outboxes: workload.registry.parties.map((p) => topics.outbox(p.id)),
  };
}

export async function deleteTopicsOf(admin: KafkaPort, prefix: string): Promise<void> {
  const names = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
  if (names.length > 0) await admin.deleteTopics(names);
}

/** A Node.js system under test in a child process (see worker.ts). */
export class Worker {
  private readonly child: ChildProcess;
  private exitError: Error | undefined;
  private readonly waiting = new Map<string, (message: Record<string, unknown>) => void>();

  constructor(spec: WorkerSpec) {
    this.child = fork(join(__dirname, 'worker.js'), [], {
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=reports/profiles" profiles each system under test.
      execArgv: [
        ...process.execArgv,
        ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
      env: { ...process.env, BENCH_WORKER: JSON.stringify(spec), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Record<string, unknown>) => {
      const type = String(message.type);
      this.waiting.get(type)?.(message);
      this.waiting.delete(type);
    });
    this.child.on('exit', (code) => {
      this.exitError = new Error(`the ${spec.system} process exited with ${code}`);
      for (const [, done] of this.waiting) done({ type: 'exit' });
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get failure(): Error | undefined {
    return this.exitError;
  }

  private next(type: string): Promise<Record<string, unknown>> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((done, fail) =>
      this.waiting.set(type, (message) => (message.type === 'exit' ? fail(this.exitError!) : done(message))),
    );
  }

  /** Resolves with performance.now() once the system consumes. */
  async ready(): Promise<number> {
    await this.next('ready');
    return performance.now();
  }

  /** `gc`: a full garbage collection first, so heapLive says what the heap retains. */
  async usage(options: { gc?: boolean } = {}): Promise<WorkerUsage> {
    const answer = this.next('usage');
    this.child.send({ type: 'usage', gc: options.gc === true });
    return (await answer) as unknown as WorkerUsage;
  }

  async stop(): Promise<void> {
    if (this.exitError) return;
    const stopped = this.next('stopped').catch(() => undefined);
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await stopped;
    await new Promise<void>((done) =>
      this.child.exitCode !== null ? done() : this.child.once('exit', () => done()),
    );
    clearTimeout(timer);
  }
}

/**
 * A database of its own holding `registry`, and the gateway's topics with `partitions` each, for a
 * gateway on `prefix`; returns the database URL.
 */
export async function prepareKyodo(
  admin: KafkaPort,
  baseDatabaseUrl: string,
  prefix: string,
  registry: RegistryData,
  partitions: number,
): Promise<string> {
  const databaseUrl = withDatabase(baseDatabaseUrl, `kyodo_bench_${prefix}`);
  await ensureDatabase(databaseUrl);
  const ds = createDataSource(databaseUrl);
  await ds.initialize();
  try {
    await runMigrations(ds);
    await new RegistryRepository(ds).importRegistry(registry);
  } finally {
    await ds.destroy();
  }
  await provisionTopics(
    admin,
    topicsFor(prefix),
    registry.parties.map((p) => p.id),
    partitions,
  );
  return databaseUrl;
}
