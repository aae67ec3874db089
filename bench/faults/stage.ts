/**
 * One fault scenario's world: its own topic prefix and database on the fault suite's broker, the
 * gateway and audit writer as separate processes, traffic, and the exactly-once verification that
 * ends every scenario.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyChain } from '@kyodo/audit';
import { topicsFor, type InboundEvent, type RegistryData, type Topics } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { createKafkaClient, type ConsumedRecord, type KafkaPort, type ProducedRecord } from '@kyodo/kafka';
import { AuditRepository, RegistryRepository, createDataSource, runMigrations } from '@kyodo/persistence';
import { provisionTopics } from '@kyodo/platform';

/** The repository: bench/faults in the sources, dist/bench/faults once built. */
export const ROOT = existsSync(resolve(__dirname, '..', '..', 'package.json'))
  ? resolve(__dirname, '..', '..')
  : resolve(__dirname, '..', '..', '..');
const ENTRY = {
  run: [join(ROOT, 'bin', 'kyodo.js'), 'run'],
  gateway: [join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js')],
  audit: [join(ROOT, 'dist', 'apps', 'audit', 'src', 'main.js')],
} as const;

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
  ],
  enrollments: [],
  consents: [],
};

/** What every scenario reports: one row of the fault table. */
export interface FaultRow {
  scenario: string;
  eventsIn: number;
  delivered: number;
  rejected: number;
  duplicates: number;
  missing: number;
  auditRows: number;
  chainVerified: boolean;
  balanced: boolean;
  seconds: number;
  ok: boolean;
  note?: string;
}

export interface KyodoProcess {
  readonly kind: keyof typeof ENTRY;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly log: () => string;
  /** Resolves once the log shows `line` (or rejects after `timeoutMs`). */
  waitFor(line: string | RegExp, timeoutMs?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

/** A reading from TD03 about one of 240 Tokyo supply points, for retailer R0001: one delivery each. */
export function reading(seed: number): InboundEvent {
  return factory.meterReading({
    seed,
    area: '03',
    supplyPointId: `03${String(seed % 240).padStart(20, '0')}`,
    retailerId: 'R0001',
  });
}

function maxOffset(low: string, candidate: bigint): string {
  return (BigInt(low) > candidate ? BigInt(low) : candidate).toString();
}

export class Stage {
  readonly prefix = `fault${randomBytes(3).toString('hex')}`;
  readonly topics: Topics;
  readonly databaseUrl: string;
  readonly kafka: KafkaPort;
  readonly processes: KyodoProcess[] = [];
  private readonly hmacKey = randomBytes(32).toString('hex');
  private readonly started = Date.now();

  constructor(
    readonly brokers: readonly string[],
    baseDatabaseUrl: string,
    readonly partitions = 6,
  ) {
    this.topics = topicsFor(this.prefix);
    this.databaseUrl = withDatabase(baseDatabaseUrl, `kyodo_${this.prefix}`);
    this.kafka = createKafkaClient({
      brokers,
      clientId: `${this.prefix}-driver`,
      defaultPartitions: partitions,
    });
  }

  get inbox(): string {
    return this.topics.inbox('TD03');
  }

  async setup(registry: RegistryData = REGISTRY): Promise<void> {
    await ensureDatabase(this.databaseUrl);
    await this.importRegistry(registry);
  }

  async importRegistry(registry: RegistryData): Promise<void> {
    const ds = createDataSource(this.databaseUrl);
    await ds.initialize();
    try {
      await runMigrations(ds);
      await new RegistryRepository(ds).importRegistry(registry);
    } finally {
      await ds.destroy();
    }
    await provisionTopics(
      this.kafka,
      this.topics,
      registry.parties.map((p) => p.id),
      this.partitions,
    );
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KAFKA_BROKERS: this.brokers.join(','),
      DATABASE_URL: this.databaseUrl,
      KYODO_TOPIC_PREFIX: this.prefix,
      KYODO_HTTP_PORT: '0',
      KYODO_AUDIT_HMAC_KEY: this.hmacKey,
      KYODO_PARTITIONS: String(this.partitions),
      KYODO_LOG_LEVEL: 'info',
      ...extra,
    };
  }

  /** Starts `kyodo run`, or the gateway or audit writer alone, and waits until it consumes. */
  async spawn(kind: keyof typeof ENTRY, extra: Record<string, string> = {}): Promise<KyodoProcess> {
    const [entry, ...args] = ENTRY[kind];
    const child = spawn(process.execPath, [entry, ...args], {
      env: this.env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Every line also to a file, for a failed scenario's post-mortem.
    const logFile = join(tmpdir(), `${this.prefix}-${kind}-${this.processes.length}.log`);
    // The last lines only: a long run logs a lot.
    let lines: string[] = [];
    const watchers: { match: (line: string) => boolean; done: () => void }[] = [];
    const onData = (chunk: Buffer) => {
      appendFileSync(logFile, chunk);
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        lines.push(line);
        for (const w of [...watchers]) {
          if (w.match(line)) {
            watchers.splice(watchers.indexOf(w), 1);
            w.done();
          }
        }
      }
      if (lines.length > 400) lines = lines.slice(-200);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const proc: KyodoProcess = {
      kind,
      child,
      exited,
      log: () => lines.join('\n'),
      waitFor: (line, timeoutMs = 180_000) =>
        new Promise<void>((done, fail) => {
          const match = (l: string) => (typeof line === 'string' ? l.includes(line) : line.test(l));
          if (lines.some(match)) return done();
          const timer = setTimeout(
            () =>
              fail(
                new Error(
                  `${kind} did not log ${String(line)} in ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`,
                ),
              ),
            timeoutMs,
          );
          watchers.push({ match, done: () => (clearTimeout(timer), done()) });
          void exited.then((code) =>
            fail(
              new Error(
                `${kind} exited (${code}) before logging ${String(line)}:\n${lines.slice(-20).join('\n')}`,
              ),
            ),
          );
        }),
      signal: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
    this.processes.push(proc);
    if (kind === 'audit') await proc.waitFor(/audit writer (consuming|started)|consuming/);
    else await proc.waitFor('gateway consuming');
    return proc;
  }

  /** Sends records in chunks, with an idempotent producer (acks all). */
  async send(records: readonly ProducedRecord[]): Promise<void> {
    const producer = await this.kafka.createProducer();
    try {
      // Chunks of at most 500 records and about 512 KiB: the broker refuses a record batch over the
      // inbox's 2 MiB, and hostile traffic carries values of up to 1 MiB.
      let chunk: ProducedRecord[] = [];
      let bytes = 0;
      for (const record of records) {
        const size = typeof record.value === 'string' ? record.value.length : record.value.byteLength;
        if (chunk.length > 0 && (chunk.length >= 500 || bytes + size > 512 * 1024)) {
          await producer.send(chunk);
          chunk = [];
          bytes = 0;
        }
        chunk.push(record);
        bytes += size;
      }
      if (chunk.length > 0) await producer.send(chunk);
    } finally {
      await producer.disconnect();
    }
  }

  readings(from: number, count: number): ProducedRecord[] {
    return Array.from({ length: count }, (_, i) => {
      const event = reading(from + i);
      return { topic: this.inbox, key: event.subject, value: toRecordValue(event) };
    });
  }

  /**
   * Waits until `group` has committed everything now in `topics`: past each partition's last record.
   * (Not the high watermark: on a transactional topic the last offset is a commit marker, which a
   * consumer's committed position may stop short of.)
   */
  async drained(group: string, topics: readonly string[], timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const targets: { topic: string; partition: number; target: bigint }[] = [];
    for (const topic of topics) {
      const offsets = await this.kafka.topicOffsets(topic);
      const tail = await this.kafka.readPartitions(
        topic,
        offsets.map((o) => ({ partition: o.partition, from: maxOffset(o.low, BigInt(o.high) - 2000n) })),
      );
      const last = new Map<number, bigint>();
      for (const r of tail) last.set(r.partition, BigInt(r.offset) + 1n);
      for (const [partition, target] of last) targets.push({ topic, partition, target });
    }
    for (;;) {
      let done = true;
      for (const topic of topics) {
        const committed = new Map(
          (await this.kafka.committedOffsets(group, topic)).map((c) => [c.partition, BigInt(c.offset)]),
        );
        for (const t of targets)
          if (t.topic === topic && (committed.get(t.partition) ?? -1n) < t.target) done = false;
      }
      if (done) return;
      if (Date.now() > deadline) throw new Error(`${group} did not commit everything in ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  async read(topic: string): Promise<ConsumedRecord[]> {
    const offsets = await this.kafka.topicOffsets(topic);
    return this.kafka.readPartitions(
      topic,
      offsets.map((o) => ({ partition: o.partition, from: o.low })),
    );
  }

  /**
   * The verification every scenario ends with, on barriers: the gateway group has committed every
   * input, the audit writer every audit record. Then for a read_committed reader every expected
   * delivery exists exactly once, every delivery has exactly one audit row, the chain verifies, and
   * inputs = accepted + rejected.
   */
  async verify(
    scenario: string,
    expectedOrigins: ReadonlySet<string>,
    expectedRejected: number,
  ): Promise<FaultRow> {
    await this.drained(`${this.prefix}.gateway`, [this.inbox]);
    await this.drained(`${this.prefix}.audit-writer`, [this.topics.audit]);
    const inboxOffsets = await this.kafka.topicOffsets(this.inbox);
    const outbound = await this.read(this.topics.outbox('R0001'));
    const origins = new Map<string, number>();
    const auditIds: string[] = [];
    for (const r of outbound) {
      const event = JSON.parse(r.value!.toString('utf8')) as { kyodooriginid: string; kyodoaudit: string };
      origins.set(event.kyodooriginid, (origins.get(event.kyodooriginid) ?? 0) + 1);
      auditIds.push(event.kyodoaudit);
    }
    let duplicates = 0;
    for (const [origin, n] of origins) duplicates += n - 1 + (expectedOrigins.has(origin) ? 0 : 1);
    let missing = 0;
    for (const origin of expectedOrigins) if (!origins.has(origin)) missing += 1;
    const dead = await this.read(this.topics.dlq);

    const ds = createDataSource(this.databaseUrl);
    await ds.initialize();
    let auditRows = 0;
    let chainVerified = false;
    let balanced = false;
    let auditMatches = false;
    try {
      const [counts] = await ds.query<
        { total: number; delivered: number; rejected: number; accepted_inputs: number }[]
      >(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE outcome = 'delivered')::int AS delivered,
                count(*) FILTER (WHERE outcome = 'rejected')::int AS rejected,
                count(DISTINCT (inbound_topic, inbound_partition, inbound_offset))
                  FILTER (WHERE outcome <> 'rejected')::int AS accepted_inputs
           FROM audit_record`,
      );
      auditRows = counts.total;
      const delivered = await ds.query<{ id: string }[]>(
        `SELECT id FROM audit_record WHERE outcome = 'delivered'`,
      );
      const stored = new Set(delivered.map((d) => d.id));
      auditMatches =
        stored.size === auditIds.length &&
        delivered.length === auditIds.length &&
        auditIds.every((id) => stored.has(id));
      const inputs = inboxOffsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0);
      balanced = inputs === counts.accepted_inputs + counts.rejected && counts.rejected === dead.length;
      chainVerified = (await verifyChain(new AuditRepository(ds).streamChain())).ok;
    } finally {
      await ds.destroy();
    }
    const row: FaultRow = {
      scenario,
      eventsIn: inboxOffsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0),
      delivered: outbound.length,
      rejected: dead.length,
      duplicates,
      missing,
      auditRows,
      chainVerified,
      balanced,
      seconds: Math.round((Date.now() - this.started) / 1000),
      ok: false,
    };
    row.ok =
      duplicates === 0 &&
      missing === 0 &&
      chainVerified &&
      balanced &&
      auditMatches &&
      dead.length === expectedRejected;
    if (!auditMatches) row.note = 'deliveries and delivered audit rows differ';
    else if (dead.length !== expectedRejected) row.note = `expected ${expectedRejected} rejections`;
    return row;
  }

  /** Stops every process (SIGTERM, then SIGKILL), drops the database; topics stay on the suite's broker. */
  async teardown(): Promise<void> {
    for (const p of this.processes) p.signal('SIGCONT');
    for (const p of this.processes) p.signal('SIGTERM');
    await Promise.race([Promise.all(this.processes.map((p) => p.exited)), sleep(20_000)]);
    for (const p of this.processes) p.signal('SIGKILL');
    await this.kafka.close();
    await dropDatabase(this.databaseUrl).catch(() => undefined);
  }
}
