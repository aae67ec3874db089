/**
 * The pure core on one core: validate → route → redact → serialise outbound, audit and dead letters,
 * for 3 KB meter readings fanned out to three parties. Baseline in the same run: a passthrough that
 * only parses each record and serialises it once per recipient (no validation, no policy, no audit).
 *
 *   npm run build && node dist/bench/core.bench.js            (BENCH_EVENTS=200000 to change N)
 */
import { topicsFor, RegistrySnapshot } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type InboundRecord, type OutputRecord } from '@kyodo/routing';
import { TraceContextPropagation } from '../apps/gateway/src/trace-context';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 500;
const FAN_OUT = 3;

const topics = topicsFor('kyodo');
const registry = new RegistrySnapshot({
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
    { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
  ],
  enrollments: Array.from({ length: 1000 }, (_, i) => ({
    aggregatorId: 'DR001',
    supplyPointId: `03${String(i).padStart(20, '0')}`,
    from: '2026-01-01',
    to: '2027-12-31',
  })),
  consents: Array.from({ length: 1000 }, (_, i) => ({
    id: `C${i}`,
    thirdPartyId: 'TP001',
    supplyPointId: `03${String(i).padStart(20, '0')}`,
    categories: ['meter-reading' as const],
    from: '2026-01-01',
    to: '2027-12-31',
    revokedAt: null,
  })),
});

// 1,000 distinct supply points, 48 half-hour intervals each (about 2.8 KB a record).
const records: InboundRecord[] = Array.from({ length: 1000 }, (_, i) => {
  const event = factory.meterReading({
    seed: i + 1,
    area: '03',
    supplyPointId: `03${String(i).padStart(20, '0')}`,
    retailerId: 'R0001',
    sender: 'TD03',
  });
  return {
    topic: topics.inbox('TD03'),
    partition: 0,
    offset: String(i),
    key: Buffer.from(event.subject),
    value: toRecordValue(event),
  };
});
const bytes = records.reduce((n, r) => n + (r.value?.length ?? 0), 0) / records.length;

function measure(name: string, run: (batch: InboundRecord[], out: OutputRecord[]) => void): number {
  const out: OutputRecord[] = [];
  const batches: InboundRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));
  for (let w = 0; w < 5_000 / BATCH; w += 1) run(batches[w % batches.length], ((out.length = 0), out)); // warm-up
  const started = process.hrtime.bigint();
  let done = 0;
  let outputs = 0;
  while (done < N) {
    out.length = 0;
    run(batches[(done / BATCH) % batches.length], out);
    outputs += out.length;
    done += BATCH;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = done / seconds;
  console.log(
    `${name.padEnd(34)} ${Math.round(rate).toLocaleString('en').padStart(9)} events/s  ${(1e6 / rate).toFixed(1).padStart(6)} µs/event  ${(outputs / done).toFixed(1)} outputs/event`,
  );
  return rate;
}

const router = new Router({ policy: compilePolicy(loadPolicy()), topics, hmacKey: 'bench-key' });
console.log(
  `Pure core, one thread: ${N.toLocaleString('en')} meter readings of ${Math.round(bytes)} bytes, fan-out ${FAN_OUT}, batches of ${BATCH}`,
);
const baseline = measure('baseline: parse + 3x stringify', (batch, out) => {
  for (const r of batch) {
    const event = JSON.parse(r.value!.toString('utf8')) as { subject: string };
    for (let k = 0; k < FAN_OUT; k += 1)
      out.push({ topic: 'out', key: event.subject, value: JSON.stringify(event) });
  }
});
const core = measure('kyodo core: validate+route+audit', (batch, out) => {
  const stats = router.routeBatch(batch, registry, out);
  if (stats.deliveries !== batch.length * FAN_OUT)
    throw new Error(`expected ${FAN_OUT} deliveries per event, got ${stats.deliveries / batch.length}`);
});
// As the gateway runs it: W3C trace context derived per input and set on each of its outputs.
const traces = new TraceContextPropagation();
const traced = new Router({
  policy: compilePolicy(loadPolicy()),
  topics,
  hmacKey: 'bench-key',
  recordHeaders: (record) => traces.derive(record.headers).headers,
});
const withTrace = measure('kyodo core + trace context', (batch, out) => {
  traced.routeBatch(batch, registry, out);
  if (out[0].headers?.traceparent === undefined) throw new Error('no traceparent on the outputs');
});
console.log(
  `trace context costs ${((1 - withTrace / core) * 100).toFixed(1)}% of the core's rate in this run`,
);
console.log(
  `core / baseline: ${(core / baseline).toFixed(2)}   target: >= 30,000 events/s on one core → ${core >= 30_000 ? 'met' : 'NOT met'}`,
);
console.log(`RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
