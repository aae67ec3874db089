import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { RegistrySnapshot, topicsFor, type RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import { createDataSource } from '@kyodo/persistence';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type OutputRecord } from '@kyodo/routing';
import { readOutboxes } from '../../apps/api/src/reconciliation/outbox-reader';
import { CliContext } from '../../apps/cli/src/context';
import { listDeadLetters, redriveDeadLetters, showDeadLetter } from '../../apps/cli/src/dlq/dlq.command';
import { collectStatus, type KyodoStatus } from '../../apps/cli/src/status.command';
import { RegistryWatcher } from '../../apps/gateway/src/registry-watcher.service';
import { createTestDatabase, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';

// The operators' tools against a running gateway on the real broker and database: status while a
// backlog drains, the data-minimisation counters, trace context on what the gateway writes, and a
// dead letter inspected, fixed and redriven once.

const READINGS = 120;
const SPID = (n: number) => `03${String(n).padStart(20, '0')}`;
const MISSING_RETAILER = 'R0009';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'TD03', 'OCCTO', 'DR001'),
  enrollments: [{ aggregatorId: 'DR001', supplyPointId: SPID(1), from: '2026-01-01', to: '2027-12-31' }],
  consents: [],
};

describe('operators’ tools on a running gateway (real Kafka and PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let config: KyodoConfig;
  let kafka: KafkaPort;
  let kyodo: { app: INestApplication; stop: () => Promise<void> } | undefined;
  let out: string[];
  let progress: string[];
  let ctx: CliContext;
  const topics = () => topicsFor(config.topicPrefix);
  const sent: ProducedRecord[] = [];
  const deadEvent = factory.meterReading({
    seed: 9_999,
    area: '03',
    supplyPointId: SPID(77),
    retailerId: MISSING_RETAILER,
    sender: 'TD03',
    contractNumber: 'R0009-5550001234',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url });
    kafka = testKafka();
    await importRegistry(config, kafka, REGISTRY);
  });

  beforeEach(() => {
    out = [];
    progress = [];
    ctx = new CliContext(
      config,
      (line) => out.push(line),
      (line) => progress.push(line),
    );
  });

  afterAll(async () => {
    await kyodo?.stop();
    await kafka?.close();
    await db?.drop();
  });

  it('status: the backlog is the lag before the gateway starts, and falls to 0 once it runs', async () => {
    for (let i = 0; i < READINGS; i++) {
      const event = factory.meterReading({
        seed: i + 1,
        area: '03',
        supplyPointId: SPID(1 + (i % 5)),
        retailerId: 'R0001',
        sender: 'TD03',
      });
      sent.push({
        topic: topics().inbox('TD03'),
        key: event.subject,
        value: toRecordValue(event),
        // The first carries a caller's trace context.
        headers:
          i === 0 ? { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc' } : undefined,
      });
    }
    sent.push({ topic: topics().inbox('TD03'), key: deadEvent.subject, value: toRecordValue(deadEvent) });
    const producer = await kafka.createProducer();
    await producer.send(sent);
    await producer.disconnect();

    const before = await collectStatus(ctx);
    expect(before.ok).toBe(true);
    expect(before.broker.reachable).toBe(true);
    expect(before.database.reachable).toBe(true);
    expect(before.gateway?.instances).toEqual([]);
    expect(before.inboxes.find((i) => i.party === 'TD03')?.lag).toBe(sent.length);
    expect(before.totalLag).toBe(sent.length);

    kyodo = await startKyodo(config);
    const seen: number[] = [];
    const drained = await waitFor(
      async () => {
        const s = await collectStatus(ctx);
        seen.push(s.totalLag ?? -1);
        return s.totalLag === 0 ? s : undefined;
      },
      { intervalMs: 100, timeoutMs: 60_000, what: 'the inbox lag to reach 0' },
    );
    // Nothing new was written: the lag only falls.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1]);
    expect(seen[seen.length - 1]).toBe(0);
    expect(drained.gateway?.instances).toHaveLength(1);
    expect(drained.gateway?.instances[0].partitions).toBeGreaterThan(0);
    expect(drained.dlq).toEqual({ topic: topics().dlq, letters: 1, redriven: 0 });
    expect(drained.audit?.heads.length).toBeGreaterThan(0);
  });

  it('metrics: fields delivered and withheld per recipient role and purpose, exactly as routed', async () => {
    const router = new Router({ policy: compilePolicy(loadPolicy()), topics: topics(), hmacKey: 'any' });
    const expected = router.routeBatch(
      sent.map((r, i) => ({
        topic: r.topic,
        partition: 0,
        offset: String(i),
        key: Buffer.from(r.key!),
        value: r.value as Buffer,
      })),
      new RegistrySnapshot(REGISTRY),
      [] as OutputRecord[],
    ).fields;
    expect(Object.keys(expected).sort()).toEqual(['aggregator', 'retailer']);
    await waitFor(
      async () => {
        const text = await get(kyodo!.app, '/metrics');
        for (const [role, byPurpose] of Object.entries(expected)) {
          for (const [purpose, n] of Object.entries(byPurpose)) {
            const labels = `{role="${role}",purpose="${purpose}"}`;
            if (metric(text, `kyodo_gateway_fields_delivered_total${labels}`) !== n.delivered) return false;
            if (metric(text, `kyodo_gateway_fields_withheld_total${labels}`) !== n.withheld) return false;
          }
        }
        return true;
      },
      { what: 'the minimisation counters to match the routed traffic' },
    );
    const text = await get(kyodo!.app, '/metrics');
    // The enrolled aggregator (24 readings of one supply point) is denied the meter id and the contract
    // number of each; the contract retailer is denied nothing.
    expect(
      metric(text, 'kyodo_gateway_fields_withheld_total{role="aggregator",purpose="negawatt-trading"}'),
    ).toBe((READINGS / 5) * 2);
    expect(metric(text, 'kyodo_gateway_fields_withheld_total{role="retailer",purpose="td-operations"}')).toBe(
      0,
    );
  });

  it('trace context: an inbound traceparent’s trace id travels on, and inputs without one start fresh traces', async () => {
    const outbox = new Map<string, Record<string, string>>();
    await readOutboxes(
      kafka,
      [topics().outbox('R0001')],
      (_t, _p, record) => {
        const event = JSON.parse(record.value!.toString('utf8')) as { kyodooriginid: string };
        outbox.set(event.kyodooriginid, { ...record.headers });
      },
      { groupPrefix: `${config.topicPrefix}.test` },
    );
    expect(outbox.size).toBe(READINGS);
    const firstId = (JSON.parse((sent[0].value as Buffer).toString('utf8')) as { id: string }).id;
    const traced = outbox.get(firstId)!;
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traced.traceparent);
    expect(match?.[1]).toBe(TRACE_ID);
    expect(match?.[2]).not.toBe(PARENT_SPAN);
    expect(traced.tracestate).toBe('vendor=abc');
    const others = [...outbox.entries()].filter(([id]) => id !== firstId).map(([, h]) => h.traceparent);
    for (const tp of others) expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceIds = new Set(others.map((tp) => tp.split('-')[1]));
    expect(traceIds.size).toBe(others.length);
    expect(traceIds.has(TRACE_ID)).toBe(false);
  });

  it('dlq: a dead letter listed, shown masked, revealed only with a reason (recorded), fixed and redriven once', async () => {
    expect(await listDeadLetters(ctx, { json: true })).toBe(0);
    const letters = JSON.parse(out.join('\n')) as {
      id: string;
      reason: string;
      inbox: string;
      redriven: unknown;
    }[];
    expect(letters).toEqual([
      expect.objectContaining({ reason: 'unknown-party', inbox: topics().inbox('TD03'), redriven: null }),
    ]);
    const id = letters[0].id;

    out = [];
    expect(await showDeadLetter(ctx, id, {})).toBe(0);
    const masked = out.join('\n');
    expect(masked).toContain('unknown-party');
    expect(masked).toContain(MISSING_RETAILER);
    expect(masked).not.toContain(SPID(77));
    expect(masked).not.toContain('R0009-5550001234');

    out = [];
    expect(await showDeadLetter(ctx, id, { reveal: true })).toBe(2);
    expect(out).toEqual([]);
    expect(await showDeadLetter(ctx, id, { reveal: true, reason: 'case 4711: retailer onboarding' })).toBe(0);
    expect(out.join('\n')).toContain(SPID(77));
    const ds = createDataSource(config.databaseUrl);
    await ds.initialize();
    try {
      expect(await ds.query('SELECT dlq_id, reason FROM dlq_reveal')).toEqual([
        { dlq_id: id, reason: 'case 4711: retailer onboarding' },
      ]);
    } finally {
      await ds.destroy();
    }

    // The cause: R0009 was not registered. Register it, and wait until the gateway routes with it.
    await importRegistry(config, kafka, {
      ...REGISTRY,
      parties: [...REGISTRY.parties, { id: MISSING_RETAILER, role: 'retailer', name: 'Late Retailer' }],
    });
    const watcher = kyodo!.app.get(RegistryWatcher);
    await waitFor(() => watcher.current().party(MISSING_RETAILER) !== undefined, {
      what: 'the gateway to know R0009',
    });

    out = [];
    expect(await redriveDeadLetters(ctx, [id], { reason: 'R0009 registered', operator: 'test' })).toBe(0);
    expect(out[0]).toBe(`Redrove ${id} (unknown-party) to ${topics().inbox('TD03')}.`);
    // Redriving it again by accident is refused.
    out = [];
    expect(await redriveDeadLetters(ctx, [id], { reason: 'again', operator: 'test' })).toBe(1);
    expect(progress.join('\n')).toMatch(new RegExp(`${id} was already redriven .* by test; use --again`));

    // Barrier: the gateway has committed past everything in its inboxes; then the outbox is read to its end.
    const drained = await waitFor(
      async () => {
        const s: KyodoStatus = await collectStatus(ctx);
        return s.totalLag === 0 ? s : undefined;
      },
      { what: 'the redriven record to be consumed' },
    );
    expect(drained.dlq).toEqual({ topic: topics().dlq, letters: 1, redriven: 1 });
    const delivered: string[] = [];
    await readOutboxes(
      kafka,
      [topics().outbox(MISSING_RETAILER)],
      (_t, _p, record) =>
        delivered.push(
          (JSON.parse(record.value!.toString('utf8')) as { kyodooriginid: string }).kyodooriginid,
        ),
      { groupPrefix: `${config.topicPrefix}.test` },
    );
    expect(delivered).toEqual([deadEvent.id]);
  });
});

function get(app: INestApplication, path: string): Promise<string> {
  const { port } = (app.getHttpServer() as import('node:http').Server).address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** The value of one Prometheus sample, by its name and labels as written; undefined if absent. */
function metric(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
