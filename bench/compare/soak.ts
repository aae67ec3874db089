/**
 * Memory soak, measured: one Kyodo gateway (platformatic adapter, audit and duplicate memory, as the
 * `kyodo (platformatic)` row of the comparison runs it) fed a paced stream of meter readings for
 * minutes; its RSS and V8 heap sampled at a fixed interval. Ends on a barrier (the gateway group
 * committed past every input), then checks exactly once: each input's three outputs present once, read
 * read_committed up to the high watermarks. Targets: RSS ≤ 256 MiB steady, < 10% growth after warm-up.
 *
 * Every input has an id of its own, so the duplicate memory (7-day window) grows by one id per input by
 * design; the bench reports its size and an estimate of its bytes.
 *
 *   npx kyodo infra up && npm run bench:soak -- --rate 1000 --minutes 10
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command } from 'commander';
import { dropDatabase } from '@kyodo/infra';
import type { KafkaPort } from '@kyodo/kafka';
import { AcceptedIds } from '@kyodo/routing';
import { committedPast, sleep, waitForTopics } from './broker';
import { percentile } from './report';
import { Worker, deleteTopicsOf, pacedStage, positiveNumber, prepareKyodo } from './system';
import type { WorkerUsage } from './worker';

const MiB = 1024 * 1024;
const TAG = /-S(\d+)"/;
const RSS_TARGET_MIB = 256;
const GROWTH_TARGET_PERCENT = 10;

interface Options {
  readonly rate: number;
  readonly minutes: number;
  readonly sampleSeconds: number;
  readonly warmupSeconds: number;
  readonly partitions: number;
  readonly out: string;
}

interface Sample {
  /** Seconds since input began. */
  readonly atSeconds: number;
  readonly sent: number;
  readonly inputs: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  readonly acceptedIds?: number;
}

function toSample(atSeconds: number, sent: number, u: WorkerUsage): Sample {
  return {
    atSeconds: Math.round(atSeconds),
    sent,
    inputs: u.inputs ?? 0,
    rssMiB: u.rss / MiB,
    heapUsedMiB: u.heapUsed / MiB,
    heapTotalMiB: u.heapTotal / MiB,
    externalMiB: u.external / MiB,
    ...(u.acceptedIds !== undefined ? { acceptedIds: u.acceptedIds } : {}),
  };
}

/**
 * Bytes of V8 heap one remembered id costs in AcceptedIds, measured here: `n` ids committed in batches
 * of `batch` on `partitions` inbox partitions, heap measured after a full GC before and after.
 */
function bytesPerAcceptedId(n: number, partitions: number, batch: number): number | undefined {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc !== 'function') return undefined;
  gc();
  const before = process.memoryUsage().heapUsed;
  const ids = new AcceptedIds();
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    ids.stage(`calibration:${i % partitions}`, 'TD03', `id-${i}`, now + Math.floor(i / batch));
    if (i % batch === batch - 1) ids.commit();
  }
  ids.commit();
  gc();
  const after = process.memoryUsage().heapUsed;
  return ids.size > 0 ? (after - before) / ids.size : undefined;
}

/**
 * Reads every outbox read_committed up to its high watermark, in chunks, and counts each input's
 * outputs per outbox: exactly once is one output in each of the three recipients' outboxes, none elsewhere.
 */
async function countOutputs(reader: KafkaPort, outboxes: readonly string[], inputs: number) {
  const counts = outboxes.map(() => new Uint8Array(inputs));
  let records = 0;
  let untagged = 0;
  for (const [t, topic] of outboxes.entries()) {
    const offsets = await reader.topicOffsets(topic);
    let ranges = offsets
      .filter((o) => o.high !== o.low)
      .map((o) => ({ partition: o.partition, from: o.low, until: o.high }));
    while (ranges.length > 0) {
      const read = await reader.readRange(topic, ranges, { maxRecords: 20_000 });
      for (const record of read.records) {
        records += 1;
        const match = record.value ? TAG.exec(record.value.toString('latin1')) : null;
        const i = match ? Number(match[1]) : -1;
        if (i >= 0 && i < inputs) counts[t][i] = Math.min(255, counts[t][i] + 1);
        else untagged += 1;
      }
      const next = new Map(read.next.map((n) => [n.partition, n.offset]));
      ranges = ranges
        .map((r) => ({ ...r, from: next.get(r.partition) ?? r.until }))
        .filter((r) => BigInt(r.from) < BigInt(r.until));
    }
  }
  const perOutbox = outboxes.map((topic, t) => {
    let once = 0;
    let missing = 0;
    let repeated = 0;
    for (const n of counts[t]) {
      if (n === 1) once += 1;
      else if (n === 0) missing += 1;
      else repeated += 1;
    }
    return { topic, once, missing, repeated };
  });
  const recipients = perOutbox.filter((o) => o.once + o.repeated > 0);
  const exactlyOnce =
    untagged === 0 &&
    records === 3 * inputs &&
    recipients.length === 3 &&
    recipients.every((o) => o.once === inputs && o.repeated === 0);
  return { records, untagged, perOutbox, exactlyOnce };
}

async function main(): Promise<void> {
  const options = new Command('bench:soak')
    .description('one Kyodo gateway under a paced load for minutes: its memory over time')
    .option('--rate <n>', 'input events/s, paced', positiveNumber, 1000)
    .option('--minutes <m>', 'how long input is produced', positiveNumber, 10)
    .option('--sample-seconds <s>', 'interval between memory samples', positiveNumber, 10)
    .option(
      '--warmup-seconds <s>',
      'warm-up left out of the steady figures (at most a fifth of the run)',
      positiveNumber,
      60,
    )
    .option('--partitions <n>', 'partitions of the inbox and every other topic', positiveNumber, 3)
    .option('--out <dir>', 'where the JSON goes', 'reports/bench')
    .parse(process.argv)
    .opts<Options>();
  const { config, workload, admin, reader, prefix, topics, group, inboxes, outboxes } = pacedStage();
  const seconds = options.minutes * 60;
  const total = Math.round(options.rate * seconds);
  const warmupSeconds = Math.min(options.warmupSeconds, seconds / 5);
  const loadAtStart = loadavg();
  console.log(
    `soak on ${prefix}: ${options.rate} meter readings/s for ${options.minutes} min (${total} inputs), ` +
      `${options.partitions} partitions, a sample every ${options.sampleSeconds} s, warm-up ${warmupSeconds} s; ` +
      `load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const databaseUrl = await prepareKyodo(
    admin,
    config.databaseUrl,
    prefix,
    workload.registry,
    options.partitions,
  );
  let worker: Worker | undefined;
  try {
    await waitForTopics(admin, [...inboxes, ...outboxes], options.partitions);
    worker = new Worker({
      system: 'kyodo',
      client: 'platformatic',
      prefix,
      databaseUrl,
      partitions: options.partitions,
    });
    await worker.ready();
    const gateway = worker;
    const atReady = toSample(0, 0, await gateway.usage());
    console.log(`gateway consuming (pid ${gateway.pid}), RSS ${atReady.rssMiB.toFixed(1)} MiB`);
    const producer = await admin.createProducer({ idempotent: false });
    const samples: Sample[] = [];
    const started = performance.now();
    let sent = 0;
    let sampling = true;
    // Heap retained after a full GC, at the end of warm-up and of input: what the growth is made of.
    let warmLive: WorkerUsage | undefined;
    const sampler = (async () => {
      for (let n = 1; sampling; n++) {
        const due = started + n * options.sampleSeconds * 1000;
        while (sampling && performance.now() < due) await sleep(Math.min(200, due - performance.now()));
        if (!sampling) break;
        const sample = toSample((performance.now() - started) / 1000, sent, await gateway.usage());
        samples.push(sample);
        console.log(
          `${String(sample.atSeconds).padStart(5)} s  sent ${String(sample.sent).padStart(7)}  processed ${String(sample.inputs).padStart(7)}  ` +
            `RSS ${sample.rssMiB.toFixed(1).padStart(6)} MiB  heap ${sample.heapUsedMiB.toFixed(1).padStart(6)} MiB  ` +
            `accepted ids ${sample.acceptedIds ?? '–'}`,
        );
        if (warmLive === undefined && sample.atSeconds >= warmupSeconds)
          warmLive = await gateway.usage({ gc: true });
      }
    })();
    const sends: Promise<void>[] = [];
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      if (due > sent) {
        const batch = [];
        for (; sent < due; sent++) {
          const record = workload.variant(sent, `S${sent}`);
          batch.push({ topic: topics.inbox(record.sender), key: record.key, value: record.value });
        }
        sends.push(producer.send(batch));
        if (sends.length >= 200) await Promise.all(sends.splice(0));
      }
      const failure = gateway.failure;
      if (failure) throw failure;
      await sleep(5);
    }
    await Promise.all(sends);
    await producer.disconnect();
    const producedSeconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;
    const atEndOfInput = toSample(producedSeconds, sent, await gateway.usage());
    const endLive = await gateway.usage({ gc: true });
    const ends = new Map(
      await Promise.all(inboxes.map(async (t) => [t, await admin.topicOffsets(t)] as const)),
    );
    await committedPast(admin, group, ends, 300_000, () => gateway.failure);
    const drainedSeconds = (performance.now() - started) / 1000;
    const atBarrier = await gateway.usage();
    const final = toSample(drainedSeconds, sent, atBarrier);
    const outputs = await countOutputs(reader, outboxes, total);

    const during = [...samples, atEndOfInput];
    const warm = during.find((s) => s.atSeconds >= warmupSeconds) ?? during[0];
    const steady = during.filter((s) => s.atSeconds >= warmupSeconds);
    const steadyRss = steady.map((s) => s.rssMiB).sort((a, b) => a - b);
    const steadyHeap = steady.map((s) => s.heapUsedMiB).sort((a, b) => a - b);
    const end = atEndOfInput;
    // Growth: the median of the last minute of input against that of the minute after warm-up, so a
    // single sample caught before or after a major GC does not decide it; the point figure is kept too.
    const span = Math.min(60, seconds / 5);
    const medianRss = (from: number, to: number) =>
      percentile(
        during
          .filter((s) => s.atSeconds >= from && s.atSeconds <= to)
          .map((s) => s.rssMiB)
          .sort((a, b) => a - b),
        50,
      );
    const firstMinuteRss = medianRss(warm.atSeconds, warm.atSeconds + span - 1e-9);
    const lastMinuteRss = medianRss(end.atSeconds - span + 1e-9, end.atSeconds);
    const growthPercent = ((lastMinuteRss - firstMinuteRss) / firstMinuteRss) * 100;
    const pointGrowthPercent = ((end.rssMiB - warm.rssMiB) / warm.rssMiB) * 100;
    const heapGrowthPercent = ((end.heapUsedMiB - warm.heapUsedMiB) / warm.heapUsedMiB) * 100;
    const perId = bytesPerAcceptedId(Math.max(10_000, Math.min(total, 600_000)), options.partitions, 100);
    const idsMiB = (ids: number | undefined) =>
      perId === undefined || ids === undefined ? undefined : (ids * perId) / MiB;
    const idsGrowthMiB =
      idsMiB(end.acceptedIds) !== undefined && idsMiB(warm.acceptedIds) !== undefined
        ? idsMiB(end.acceptedIds)! - idsMiB(warm.acceptedIds)!
        : undefined;
    const steadyMedian = percentile(steadyRss, 50);
    const loadAtEnd = loadavg();
    const result = {
      at: new Date().toISOString(),
      prefix,
      rate: options.rate,
      minutes: options.minutes,
      sampleSeconds: options.sampleSeconds,
      warmupSeconds,
      partitions: options.partitions,
      inputs: total,
      producedSeconds,
      drainedSeconds,
      eventsProcessed: atBarrier.inputs,
      rejected: atBarrier.rejected,
      cpuMicrosPerEvent: atBarrier.inputs ? atBarrier.cpuMicros / atBarrier.inputs : undefined,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      rssMiB: {
        atReady: atReady.rssMiB,
        afterWarmup: warm.rssMiB,
        steadyMedian,
        steadyMax: steadyRss.at(-1),
        peakSampledEvery100ms: atBarrier.peakRss / MiB,
        endOfInput: end.rssMiB,
        atBarrier: final.rssMiB,
        firstMinuteAfterWarmupMedian: firstMinuteRss,
        lastMinuteMedian: lastMinuteRss,
        growthPercent,
        pointGrowthPercent,
      },
      heapUsedMiB: {
        afterWarmup: warm.heapUsedMiB,
        steadyMedian: percentile(steadyHeap, 50),
        endOfInput: end.heapUsedMiB,
        growthPercent: heapGrowthPercent,
        liveAfterFullGcAtWarmup: warmLive?.heapLive !== undefined ? warmLive.heapLive / MiB : undefined,
        liveAfterFullGcAtEnd: endLive.heapLive !== undefined ? endLive.heapLive / MiB : undefined,
        acceptedIdsAtWarmupGc: warmLive?.acceptedIds,
        acceptedIdsAtEndGc: endLive.acceptedIds,
      },
      acceptedIds: {
        afterWarmup: warm.acceptedIds,
        endOfInput: end.acceptedIds,
        atBarrier: final.acceptedIds,
        bytesPerIdMeasured: perId,
        estimatedMiBAtEnd: idsMiB(end.acceptedIds),
        estimatedGrowthMiB: idsGrowthMiB,
      },
      samples: [...samples, { ...atEndOfInput }, { ...final }],
      outputs,
      targets: {
        steadyRss: {
          target: `≤ ${RSS_TARGET_MIB} MiB`,
          value: steadyMedian,
          met: steadyMedian <= RSS_TARGET_MIB,
        },
        growth: {
          target: `< ${GROWTH_TARGET_PERCENT}%`,
          value: growthPercent,
          met: growthPercent < GROWTH_TARGET_PERCENT,
        },
      },
    };
    const f = (n: number | undefined, digits = 1) => (n === undefined ? '–' : n.toFixed(digits));
    console.log(`
RSS at ready ${f(atReady.rssMiB)} MiB; after warm-up (${warm.atSeconds} s) ${f(warm.rssMiB)} MiB; steady median ${f(steadyMedian)} MiB, max ${f(steadyRss.at(-1))} MiB (peak sampled every 100 ms: ${f(atBarrier.peakRss / MiB)} MiB); end of input (${end.atSeconds} s) ${f(end.rssMiB)} MiB; at the barrier ${f(final.rssMiB)} MiB
RSS growth, median of the last ${span} s of input against the ${span} s after warm-up: ${f(growthPercent)}% (${f(firstMinuteRss)} → ${f(lastMinuteRss)} MiB); sample to sample ${f(pointGrowthPercent)}%; heap used ${f(heapGrowthPercent)}% (${f(warm.heapUsedMiB)} → ${f(end.heapUsedMiB)} MiB)
heap live after a full GC: ${f(result.heapUsedMiB.liveAfterFullGcAtWarmup)} MiB at the end of warm-up, ${f(result.heapUsedMiB.liveAfterFullGcAtEnd)} MiB at the end of input
duplicate memory: ${warm.acceptedIds ?? '–'} → ${end.acceptedIds ?? '–'} accepted ids (one per distinct input, kept 7 days by design); ${f(perId, 0)} B each measured here, so ~${f(idsMiB(end.acceptedIds))} MiB at the end, ~${f(idsGrowthMiB)} MiB of the growth
events processed: ${atBarrier.inputs} of ${total} (${atBarrier.rejected ?? 0} rejected), input over ${f(producedSeconds)} s, all committed ${f(drainedSeconds - producedSeconds)} s after the last was sent; CPU ${f(result.cpuMicrosPerEvent, 0)} µs/event
load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}
outputs: ${outputs.records} for ${total} inputs (fan-out 3): ${outputs.perOutbox
      .filter((o) => o.once + o.repeated > 0)
      .map((o) => `${o.topic} ${o.once} once, ${o.missing} missing, ${o.repeated} repeated`)
      .join('; ')}; exactly once ${outputs.exactlyOnce ? 'yes' : 'NO'}
targets: RSS steady ≤ ${RSS_TARGET_MIB} MiB: ${result.targets.steadyRss.met ? 'met' : 'MISSED'} (${f(steadyMedian)} MiB); growth < ${GROWTH_TARGET_PERCENT}%: ${result.targets.growth.met ? 'met' : 'MISSED'} (${f(growthPercent)}%)`);
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    const file = join(out, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
    if (!outputs.exactlyOnce || atBarrier.inputs !== total) process.exitCode = 1;
  } finally {
    await worker?.stop().catch(() => undefined);
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
