/**
 * The comparison benchmark, on the real broker: the same input through each row, one row at a time,
 * in one run. Prints the table, the ratios of Kyodo to each row and the targets met or missed; writes
 * the results as JSON and a bar chart as SVG. See docs/performance.md.
 *
 *   npx kyodo infra up && npm run bench -- --events 20000 --partitions 3 --mix 100/0/0
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { topicsFor } from '@kyodo/contracts';
import { loadConfig, type KyodoConfig } from '@kyodo/config';
import { dropDatabase } from '@kyodo/infra';
import { KafkaJsClient, createKafkaClient, type KafkaClientKind, type KafkaPort } from '@kyodo/kafka';
import {
  committedPast,
  createTopics,
  fill,
  measureLatency,
  readOutputs,
  sleep,
  waitForTopics,
} from './broker';
import {
  consumerPerformance,
  kafkaLibs,
  prepareStreamsPeer,
  producerPerformance,
  startStreamsPeer,
} from './java';
import {
  KYODO_ROW,
  evaluateTargets,
  formatTable,
  formatTargets,
  ratios,
  renderSvg,
  type LatencySummary,
  type RowKind,
  type RowResult,
} from './report';
import { Worker, deleteTopicsOf, newPrefix, prepareKyodo } from './system';
import type { WorkerSpec, WorkerUsage } from './worker';
import { formatMix, makeWorkload, parseMix, type Workload } from './workload';

const ROWS = [
  'kyodo-platformatic',
  'passthrough-platformatic',
  'kyodo-kafkajs',
  'passthrough-kafkajs',
  'naive',
  'streams',
  'ceiling',
] as const;
type RowId = (typeof ROWS)[number];

interface Options {
  readonly events: number;
  readonly partitions: number;
  readonly mix: ReturnType<typeof parseMix>;
  readonly rows: readonly RowId[];
  readonly naiveEvents: number;
  readonly latencySeconds: number;
  readonly latencyRate?: number;
  readonly out: string;
}

interface Context {
  readonly options: Options;
  readonly config: KyodoConfig;
  readonly workload: Workload;
  readonly admin: KafkaPort;
  readonly reader: KafkaPort;
  /** Paced rate of the latency phases: half of Kyodo's peak, once measured. */
  latencyRate?: number;
}

const MiB = 1024 * 1024;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive whole number');
  return n;
}

function parseOptions(argv: readonly string[]): Options {
  const program = new Command('bench')
    .description('Kyodo against the broker alone, Kafka Streams, passthroughs and a naive Nest microservice')
    .option('--events <n>', 'input events per row', positiveInt, 20_000)
    .option('--partitions <n>', 'partitions of every input and output topic', positiveInt, 3)
    .option(
      '--mix <weights>',
      'meter-reading / contract-switch / negawatt proportions, e.g. 80/15/5',
      (v) => {
        try {
          return parseMix(v);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
      parseMix('100/0/0'),
    )
    .option(
      '--rows <list>',
      `rows to run, comma-separated (${ROWS.join(', ')})`,
      (v) => {
        const rows = v.split(',').map((s) => s.trim());
        const unknown = rows.filter((r) => !(ROWS as readonly string[]).includes(r));
        if (unknown.length > 0) throw new InvalidArgumentError(`unknown rows: ${unknown.join(', ')}`);
        return rows;
      },
      [...ROWS],
    )
    .option(
      '--naive-events <n>',
      'input events of the naive row (the first of the same input: it is slow)',
      positiveInt,
      5000,
    )
    .option('--latency-seconds <s>', 'measured seconds of each paced latency phase', positiveInt, 10)
    .option('--latency-rate <n>', "events/s of the paced phases (default: half of Kyodo's peak)", positiveInt)
    .option('--out <dir>', 'where the JSON and SVG go', 'reports/bench')
    .parse(argv, { from: 'node' });
  const o = program.opts<Omit<Options, 'rows'> & { rows: RowId[] }>();
  // Kyodo's peak sets the paced rate: its row runs first.
  return { ...o, rows: ROWS.filter((row) => o.rows.includes(row)) };
}

interface System {
  readonly groupId: string;
  readonly outboxes: readonly string[];
  /** performance.now() when it started consuming. */
  readonly readyAt: number;
  usage(): Promise<WorkerUsage | undefined>;
  failure(): Error | undefined;
  stop(): Promise<void>;
}

interface RowPlan {
  readonly name: string;
  readonly kind: RowKind;
  readonly adapter?: KafkaClientKind;
  readonly latency: boolean;
  /** A row too slow for the whole input gets its first `maxEvents` records. */
  readonly maxEvents?: number;
  /** Creates the row's topics (inboxes included) and anything else it needs; returns its clean-up. */
  prepare(prefix: string): Promise<() => Promise<void>>;
  start(prefix: string): Promise<System>;
}

function copyOutboxes(prefix: string): string[] {
  return [1, 2, 3].map((n) => `${prefix}.out.copy${n}`);
}

function workerSystem(spec: WorkerSpec, groupId: string, outboxes: readonly string[]) {
  return async (): Promise<System> => {
    const worker = new Worker(spec);
    const readyAt = await worker.ready();
    return {
      groupId,
      outboxes,
      readyAt,
      usage: () => worker.usage(),
      failure: () => worker.failure,
      stop: () => worker.stop(),
    };
  };
}

function plans(ctx: Context): Map<RowId, RowPlan> {
  const { workload, admin, options } = ctx;
  const inboxesOf = (prefix: string) => workload.senders.map((s) => topicsFor(prefix).inbox(s));
  const baselineTopics = async (prefix: string) => {
    const names = [...inboxesOf(prefix), ...copyOutboxes(prefix)];
    await createTopics(admin, names, options.partitions);
    return () => deleteTopicsOf(admin, prefix);
  };
  const kyodo = (client: KafkaClientKind): RowPlan => {
    const databases = new Map<string, string>();
    return {
      name: `kyodo (${client})`,
      kind: 'kyodo',
      adapter: client,
      latency: true,
      prepare: async (prefix) => {
        const databaseUrl = await prepareKyodo(
          admin,
          ctx.config.databaseUrl,
          prefix,
          workload.registry,
          options.partitions,
        );
        databases.set(prefix, databaseUrl);
        await waitForTopics(admin, inboxesOf(prefix), options.partitions);
        return async () => {
          await deleteTopicsOf(admin, prefix);
          await dropDatabase(databaseUrl);
        };
      },
      start: (prefix) =>
        workerSystem(
          {
            system: 'kyodo',
            client,
            prefix,
            databaseUrl: databases.get(prefix)!,
            partitions: options.partitions,
          },
          `${prefix}.gateway`,
          workload.registry.parties.map((p) => topicsFor(prefix).outbox(p.id)),
        )(),
    };
  };
  const passthrough = (client: KafkaClientKind): RowPlan => ({
    name: `passthrough (${client})`,
    kind: 'passthrough',
    adapter: client,
    latency: true,
    prepare: baselineTopics,
    start: (prefix) =>
      workerSystem(
        { system: 'passthrough', client, prefix, inboxes: inboxesOf(prefix), outboxes: copyOutboxes(prefix) },
        `${prefix}.passthrough`,
        copyOutboxes(prefix),
      )(),
  });
  const streamsDir = () => prepareStreamsPeer(ctx.config.cacheDir, (line) => console.log(line));
  return new Map<RowId, RowPlan>([
    ['kyodo-platformatic', kyodo('platformatic')],
    ['passthrough-platformatic', passthrough('platformatic')],
    ['kyodo-kafkajs', kyodo('kafkajs')],
    ['passthrough-kafkajs', passthrough('kafkajs')],
    [
      'naive',
      {
        name: 'naive Nest microservice',
        kind: 'naive',
        latency: false,
        maxEvents: Math.min(options.events, options.naiveEvents),
        prepare: async (prefix) => {
          const topics = topicsFor(prefix);
          const names = [...inboxesOf(prefix), ...workload.registry.parties.map((p) => topics.outbox(p.id))];
          await createTopics(admin, names, options.partitions);
          return () => deleteTopicsOf(admin, prefix);
        },
        start: (prefix) =>
          workerSystem(
            { system: 'naive', prefix, inboxes: inboxesOf(prefix) },
            `${prefix}.naive`,
            workload.registry.parties.map((p) => topicsFor(prefix).outbox(p.id)),
          )(),
      },
    ],
    [
      'streams',
      {
        name: 'Kafka Streams',
        kind: 'streams',
        latency: true,
        prepare: async (prefix) => {
          streamsDir();
          return baselineTopics(prefix);
        },
        start: async (prefix) => {
          const peer = await startStreamsPeer(
            streamsDir(),
            ctx.config.kafkaBrokers.join(','),
            `${prefix}.streams`,
            inboxesOf(prefix),
            copyOutboxes(prefix),
            ctx.config.compression,
          );
          return {
            groupId: `${prefix}.streams`,
            outboxes: copyOutboxes(prefix),
            readyAt: performance.now(),
            usage: () => Promise.resolve(undefined),
            failure: () => undefined,
            stop: () => peer.stop(),
          };
        },
      },
    ],
  ]);
}

async function runRow(ctx: Context, plan: RowPlan): Promise<RowResult> {
  const { options, workload, admin, reader } = ctx;
  const prefix = newPrefix();
  const topics = topicsFor(prefix);
  const inbox = (sender: string) => topics.inbox(sender);
  console.log(`\n${plan.name}: preparing ${prefix}`);
  const cleanUp = await plan.prepare(prefix);
  let system: System | undefined;
  try {
    const records = workload.records.slice(0, plan.maxEvents ?? workload.records.length);
    const events = records.length;
    const ends = await fill(admin, records, inbox);
    system = await plan.start(prefix);
    const timeoutMs = Math.max(180_000, events * 20);
    const progress = await committedPast(admin, system.groupId, ends, timeoutMs, system.failure);
    const usage = await system.usage();
    // The rate leaves out the group's join and the first tenth of the input (warm-up).
    const seconds = (progress.doneAt - progress.warmAt) / 1000;
    const eventsPerSecond = (events - progress.warmCommitted) / seconds;
    const total = (progress.doneAt - system.readyAt) / 1000;
    const outputs = await readOutputs(reader, system.outboxes);
    console.log(
      `${plan.name}: ${Math.round(eventsPerSecond)} events/s (the last ${events - progress.warmCommitted} inputs in ` +
        `${seconds.toFixed(2)} s; all ${events} in ${total.toFixed(2)} s from ready); ` +
        `${outputs.records} outputs, ${(outputs.bytes / MiB).toFixed(1)} MiB`,
    );
    if (plan.kind === 'kyodo' && plan.adapter === 'platformatic' && ctx.latencyRate === undefined)
      ctx.latencyRate = options.latencyRate ?? Math.max(100, Math.round(eventsPerSecond / 2));
    let latency: LatencySummary | undefined;
    if (plan.latency) {
      const rate = ctx.latencyRate ?? options.latencyRate ?? Math.max(100, Math.round(eventsPerSecond / 2));
      latency = await measureLatency({
        admin,
        reader,
        workload,
        inbox,
        outboxes: system.outboxes,
        groupId: `${prefix}.latency`,
        rate,
        seconds: options.latencySeconds,
        warmupSeconds: 2,
      });
      console.log(
        `${plan.name}: latency at ${rate}/s: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ` +
          `p999 ${latency.p999.toFixed(1)} ms (${latency.samples} samples, ${latency.missing} missing)`,
      );
    }
    const after = plan.latency ? await system.usage() : usage;
    const notes: string[] = [`all inputs in ${total.toFixed(1)} s from start`];
    if (events < options.events) notes.push(`the first ${events} inputs only`);
    if (usage?.rejected) notes.push(`${usage.rejected} rejected`);
    return {
      name: plan.name,
      kind: plan.kind,
      ...(plan.adapter ? { adapter: plan.adapter } : {}),
      events: events,
      seconds,
      eventsPerSecond,
      outputRecords: outputs.records,
      outputBytes: outputs.bytes,
      outputMBps: (outputs.bytes / 1e6) * (eventsPerSecond / events),
      ...(latency ? { latency } : {}),
      ...(usage
        ? {
            rssMiB: Math.max(usage.rss, after?.rss ?? 0) / MiB,
            peakRssMiB: Math.max(usage.peakRss, after?.peakRss ?? 0) / MiB,
            cpuMicrosPerEvent: usage.cpuMicros / events,
          }
        : {}),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
  } finally {
    await system
      ?.stop()
      .catch((error: Error) => console.error(`${plan.name}: stop failed: ${error.message}`));
    await cleanUp().catch((error: Error) => console.error(`${plan.name}: clean-up failed: ${error.message}`));
  }
}

/** ProducerPerformance and ConsumerPerformance on a topic of the row's partitions, with the input's records. */
async function runCeiling(ctx: Context): Promise<RowResult[]> {
  const { options, workload, admin, config } = ctx;
  const prefix = newPrefix();
  const topic = `${prefix}.ceiling`;
  const payloads = join(tmpdir(), `${prefix}-payloads.txt`);
  console.log(`\nceiling: ProducerPerformance and ConsumerPerformance on ${topic}`);
  writeFileSync(
    payloads,
    workload.records
      .slice(0, 5000)
      .map((r) => r.value)
      .join('\n'),
  );
  const libs = kafkaLibs(config.cacheDir, config.stateDir);
  const bootstrap = config.kafkaBrokers.join(',');
  try {
    await createTopics(admin, [topic], options.partitions);
    // Three records written per input event: the fan-out's outputs.
    const produced = producerPerformance(
      libs,
      bootstrap,
      topic,
      3 * options.events,
      payloads,
      config.compression,
    );
    const consumed = consumerPerformance(libs, bootstrap, topic, options.events, `${prefix}.ceiling`);
    // The floor under every row's latency: produced, then seen by the same reader, nothing in between.
    const latency = await measureLatency({
      admin,
      reader: ctx.reader,
      workload,
      inbox: () => topic,
      outboxes: [topic],
      groupId: `${prefix}.latency`,
      rate: ctx.latencyRate ?? options.latencyRate ?? 1000,
      seconds: options.latencySeconds,
      warmupSeconds: 2,
    });
    console.log(
      `ceiling: produce ${Math.round(produced.recordsPerSecond)} records/s (${Math.round(produced.recordsPerSecond / 3)} events/s at fan-out 3), ` +
        `consume ${Math.round(consumed.recordsPerSecond)} records/s`,
    );
    const row = (
      name: string,
      rate: number,
      mbps: number,
      note: string,
      timed?: LatencySummary,
    ): RowResult => ({
      name,
      ...(timed ? { latency: timed } : {}),
      kind: 'ceiling',
      events: options.events,
      seconds: options.events / rate,
      eventsPerSecond: rate,
      outputMBps: mbps * 1.048576,
      note,
    });
    return [
      row(
        'ceiling: ProducerPerformance',
        produced.recordsPerSecond / 3,
        produced.mbPerSecond,
        `${Math.round(produced.recordsPerSecond)} records/s, 3 per event; acks=all, ${config.compression}; ` +
          `send-to-ack p50 ${produced.ackP50} ms, p99 ${produced.ackP99} ms, p999 ${produced.ackP999} ms`,
      ),
      row(
        'ceiling: ConsumerPerformance',
        consumed.recordsPerSecond,
        consumed.mbPerSecond,
        'fetch rate, join excluded; latency: produced and read back by the bench reader, nothing in between',
        latency,
      ),
    ];
  } finally {
    rmSync(payloads, { force: true });
    await deleteTopicsOf(admin, prefix);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const config = loadConfig();
  const workload = makeWorkload(options.events, options.mix);
  const admin = new KafkaJsClient({
    brokers: config.kafkaBrokers,
    clientId: 'bench',
    defaultPartitions: options.partitions,
  });
  const reader = createKafkaClient({
    client: 'platformatic',
    brokers: config.kafkaBrokers,
    clientId: 'bench-reader',
  });
  await admin.ping(10_000);
  const ctx: Context = { options, config, workload, admin, reader };
  const title =
    `${options.events.toLocaleString('en')} events per row (${formatMix(options.mix)}; mean ${Math.round(workload.meanBytes)} B), ` +
    `${options.partitions} partitions`;
  console.log(`${title}; same broker (${config.kafkaBrokers.join(',')}), same run; ${cpus().length} cores`);
  const rows: RowResult[] = [];
  const byId = plans(ctx);
  for (const id of options.rows) {
    try {
      if (id === 'ceiling') rows.push(...(await runCeiling(ctx)));
      else rows.push(await runRow(ctx, byId.get(id)!));
    } catch (error) {
      const message = (error as Error).message;
      if (process.env.BENCH_DEBUG) console.error(error);
      console.error(`${id}: failed: ${message}`);
      const plan = byId.get(id);
      rows.push({
        name: plan?.name ?? id,
        kind: plan?.kind ?? 'ceiling',
        events: 0,
        seconds: 0,
        eventsPerSecond: 0,
        error: message,
      });
    }
    await sleep(1000);
  }
  await admin.close();
  await reader.close();
  const targets = evaluateTargets(rows, options.mix['meter-reading']);
  console.log(`\n${title}\n`);
  console.log(formatTable(rows));
  console.log(`\nTargets (${KYODO_ROW} unless named):\n${formatTargets(targets)}`);
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const result = {
    at: new Date().toISOString(),
    title,
    events: options.events,
    partitions: options.partitions,
    mix: options.mix,
    meanInputBytes: workload.meanBytes,
    cores: cpus().length,
    rows,
    ratios: ratios(rows),
    targets,
  };
  writeFileSync(join(out, `compare-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, `compare-${stamp}.svg`), renderSvg(rows, title));
  console.log(`\nwrote ${join(out, `compare-${stamp}.json`)} and .svg`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
