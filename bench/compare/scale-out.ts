/**
 * Scale out, measured: one Kyodo gateway (platformatic adapter, which fences by group generation) on a
 * 12-partition inbox under a paced load, then a second instance joins (its own KYODO_INSTANCE_ID). Shows
 * the partition split, the events each instance processed, the pause in delivery while the group
 * rebalances, and checks that every input was delivered exactly once to each of its three recipients.
 *
 *   npx kyodo infra up && npm run bench:scale-out -- --rate 250 --seconds 40 --join-at 12
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { dropDatabase } from '@kyodo/infra';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { ConsumerGroupDescription } from '@kyodo/kafka';
import { committedPast, readOutputs, sleep, waitForTopics } from './broker';
import { percentile } from './report';
import { Worker, deleteTopicsOf, pacedStage, positiveNumber, prepareKyodo } from './system';
import type { WorkerUsage } from './worker';

const LATENCY_TAG = /-L(\d+)"/;

/** The partitions of `topic` each member of `groupId` holds, decoded from the group's assignment. */
async function partitionsOf(brokers: readonly string[], groupId: string, topic: string): Promise<number[][]> {
  const admin = new Kafka({
    brokers: [...brokers],
    clientId: 'bench-describe',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
    });
  } finally {
    await admin.disconnect();
  }
}

interface Options {
  readonly partitions: number;
  readonly rate: number;
  readonly seconds: number;
  readonly joinAt: number;
  readonly out: string;
}

async function main(): Promise<void> {
  const options = new Command('bench:scale-out')
    .description('two Kyodo gateways share a 12-partition inbox; the second joins under load')
    .option('--partitions <n>', 'partitions of the inbox and every other topic', positiveNumber, 12)
    .option('--rate <n>', 'input events/s, paced, for the whole run', positiveNumber, 250)
    .option('--seconds <s>', 'how long input is produced', positiveNumber, 40)
    .option('--join-at <s>', 'when the second instance is started', positiveNumber, 12)
    .option('--out <dir>', 'where the JSON goes', 'reports/bench')
    .parse(process.argv)
    .opts<Options>();
  const { config, workload, admin, reader, prefix, topics, group, inboxes, outboxes } = pacedStage();
  console.log(
    `scale-out on ${prefix}: ${options.partitions} partitions, ${options.rate} meter readings/s for ${options.seconds} s, ` +
      `second instance at ${options.joinAt} s`,
  );
  const databaseUrl = await prepareKyodo(
    admin,
    config.databaseUrl,
    prefix,
    workload.registry,
    options.partitions,
  );
  await waitForTopics(admin, [...inboxes, ...outboxes], options.partitions);
  const spec = (instanceId: string) =>
    ({
      system: 'kyodo',
      client: 'platformatic',
      prefix,
      databaseUrl,
      partitions: options.partitions,
      instanceId,
    }) as const;
  const workers: Worker[] = [];
  try {
    const sentAt: number[] = [];
    const seenAt: number[] = [];
    const consumer = await reader.createConsumer({
      groupId: `${prefix}.latency`,
      topics: outboxes,
      fromBeginning: true,
      readCommitted: true,
      commitOffsets: false,
      handle: ({ records }) => {
        const now = performance.now();
        for (const record of records) {
          const match = record.value ? LATENCY_TAG.exec(record.value.toString('latin1')) : null;
          if (match && seenAt[Number(match[1])] === undefined) seenAt[Number(match[1])] = now;
        }
        return Promise.resolve();
      },
    });
    const first = new Worker(spec('0'));
    workers.push(first);
    await first.ready();
    console.log('instance 0 consuming');
    const producer = await admin.createProducer({ idempotent: false });
    const total = Math.round(options.rate * options.seconds);
    const started = performance.now();
    let joinAt: number | undefined;
    let joinedAt: number | undefined;
    let firstAtJoin: WorkerUsage | undefined;
    let firstAtReady: WorkerUsage | undefined;
    const joining = (async () => {
      await sleep(options.joinAt * 1000);
      joinAt = performance.now();
      firstAtJoin = await first.usage();
      const second = new Worker(spec('1'));
      workers.push(second);
      await second.ready();
      joinedAt = performance.now();
      firstAtReady = await first.usage();
      console.log(`instance 1 consuming, ${((joinedAt - joinAt) / 1000).toFixed(1)} s after it was started`);
    })();
    const sends: Promise<void>[] = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      if (due > sent) {
        const now = performance.now();
        const batch = [];
        for (; sent < due; sent++) {
          const record = workload.variant(sent, `L${sent}`);
          sentAt[sent] = now;
          batch.push({ topic: topics.inbox(record.sender), key: record.key, value: record.value });
        }
        sends.push(producer.send(batch));
      }
      await sleep(5);
    }
    await Promise.all(sends);
    await producer.disconnect();
    await joining;
    const ends = new Map(
      await Promise.all(inboxes.map(async (t) => [t, await admin.topicOffsets(t)] as const)),
    );
    await committedPast(admin, group, ends, 180_000, () => workers.find((w) => w.failure)?.failure);
    const description: ConsumerGroupDescription = await reader.describeGroup!(group);
    const loaded = topics.inbox('TD03');
    const split = await partitionsOf(config.kafkaBrokers, group, loaded);
    const usages = await Promise.all(workers.map((w) => w.usage()));
    while (seenAt.filter((t) => t !== undefined).length < total && performance.now() - started < 600_000)
      await sleep(200);
    await consumer.stop();
    const outputs = await readOutputs(reader, outboxes);

    // Delivery before and after the join: the longest gap between outputs shows the rebalance pause.
    const arrivals = seenAt.filter((t) => t !== undefined).sort((a, b) => a - b);
    const windowEnd = joinAt! + 30_000;
    let longestGap = 0;
    let gapStart = 0;
    for (let i = 1; i < arrivals.length; i++) {
      if (arrivals[i] < joinAt! || arrivals[i - 1] > windowEnd) continue;
      const gap = arrivals[i] - arrivals[i - 1];
      if (gap > longestGap) [longestGap, gapStart] = [gap, arrivals[i - 1]];
    }
    const latencies = (from: number, to: number) =>
      sentAt
        .map((s, i) => ({ s, l: seenAt[i] - s }))
        .filter(({ s, l }) => s >= from && s < to && Number.isFinite(l))
        .map(({ l }) => l)
        .sort((a, b) => a - b);
    const before = latencies(started + 2000, joinAt!);
    const after = latencies(joinAt!, joinAt! + 30_000);
    const result = {
      at: new Date().toISOString(),
      partitions: options.partitions,
      rate: options.rate,
      seconds: options.seconds,
      joinAtSeconds: options.joinAt,
      inputs: total,
      secondReadyAfterStartMs: Math.round(joinedAt! - joinAt!),
      group: {
        state: description.state,
        partitionsPerMember: description.members.map((m) => m.partitions),
        loadedInbox: loaded,
        loadedInboxPartitionsPerMember: split,
      },
      instances: usages.map((u, i) => ({
        instanceId: u.instanceId,
        inputs: u.inputs,
        inputsAfterSecondStarted: i === 0 ? u.inputs! - (firstAtJoin?.inputs ?? 0) : u.inputs,
        inputsAfterSecondConsuming: i === 0 ? u.inputs! - (firstAtReady?.inputs ?? 0) : u.inputs,
        rssMiB: Math.round(u.rss / 1024 / 1024),
        cpuMicrosPerEvent: u.inputs ? Math.round(u.cpuMicros / u.inputs) : undefined,
      })),
      rebalancePauseMs: Math.round(longestGap),
      rebalancePauseStartsAfterJoinMs: Math.round(gapStart - joinAt!),
      normalGapMs: Math.round(1000 / options.rate),
      latencyBeforeJoinMs: { p50: percentile(before, 50), p99: percentile(before, 99), max: before.at(-1) },
      latencyAfterJoinMs: { p50: percentile(after, 50), p99: percentile(after, 99), max: after.at(-1) },
      outputs: outputs.records,
      exactlyOnce: outputs.records === 3 * total && usages.reduce((n, u) => n + (u.inputs ?? 0), 0) === total,
    };
    const round = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(0));
    console.log(`
partition split after the join: ${split.map((p) => `[${p.join(',')}]`).join(' + ')} of ${loaded} (the inbox with the load); ${result.group.partitionsPerMember.join(' + ')} of all ${description.members.length > 0 ? result.group.partitionsPerMember.reduce((a, b) => a + b, 0) : 0} inbox partitions (group ${result.group.state})
events per instance: ${result.instances.map((i) => `instance ${i.instanceId}: ${i.inputs} (${i.inputsAfterSecondStarted} after the second was started, ${i.inputsAfterSecondConsuming} after it was consuming)`).join('; ')}
second instance consuming ${result.secondReadyAfterStartMs} ms after its start
rebalance pause: no output for ${result.rebalancePauseMs} ms, from ${result.rebalancePauseStartsAfterJoinMs} ms after the second instance was started (at ${options.rate}/s outputs come every ~${result.normalGapMs} ms)
latency before the join: p50 ${round(result.latencyBeforeJoinMs.p50)} ms, p99 ${round(result.latencyBeforeJoinMs.p99)} ms; in the 30 s after: p50 ${round(result.latencyAfterJoinMs.p50)} ms, p99 ${round(result.latencyAfterJoinMs.p99)} ms, max ${round(result.latencyAfterJoinMs.max)} ms
RSS: ${result.instances.map((i) => `${i.rssMiB} MiB`).join(', ')}; CPU µs/event: ${result.instances.map((i) => i.cpuMicrosPerEvent).join(', ')}
outputs: ${outputs.records} for ${total} inputs (fan-out 3): exactly once ${result.exactlyOnce ? 'yes' : 'NO'}`);
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    const file = join(out, `scale-out-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
    if (!result.exactlyOnce) process.exitCode = 1;
  } finally {
    for (const worker of workers.reverse()) await worker.stop().catch(() => undefined);
    await deleteTopicsOf(admin, prefix).catch(() => undefined);
    await dropDatabase(databaseUrl).catch(() => undefined);
    await admin.close();
    await reader.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
