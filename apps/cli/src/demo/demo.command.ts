import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RegistrySnapshot, topicsFor } from '@kyodo/contracts';
import { verifyChain, type AuditRecord } from '@kyodo/audit';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { collectRecords, createKafkaClient, type ConsumedRecord, type KafkaPort } from '@kyodo/kafka';
import { createLogger } from '@kyodo/observability';
import { AuditRepository, RegistryRepository, createDataSource } from '@kyodo/persistence';
import { startApp } from '@kyodo/platform';
import { ApiModule } from '../../../api/src/api.module';
import { AuditModule } from '../../../audit/src/audit.module';
import { GatewayModule } from '../../../gateway/src/gateway.module';
import { GatewayService } from '../../../gateway/src/gateway.service';
import { CliContext } from '../context';
import { importRegistryFile } from '../registry.command';
import { generateTraffic } from '@kyodo/contracts/testing';
import { renderRegistry } from '../generate.command';
import { demoTraffic } from './traffic';
import { auditComplete, formatSummary, summarise } from './summary';

const DEMO_DATABASE = 'kyodo_demo';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'start the local stack, import a demo registry, run the gateway on synthetic traffic and show what each party got',
    )
    .option('--days <n>', 'days of meter readings per supply point', '30')
    .option(
      '--seed <n>',
      'instead of demo/registry.yaml and its traffic: `kyodo generate` traffic of this seed (all ten areas)',
    )
    .action(async (opts: { days: string; seed?: string }) =>
      runDemo(ctx, Number(opts.days), opts.seed === undefined ? undefined : Number(opts.seed)),
    );
}

async function runDemo(ctx: CliContext, days: number, seed?: number): Promise<void> {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
    throw new Error(`--seed must be a non-negative integer, got ${seed}`);
  if (!Number.isInteger(days) || days < 1 || days > 30) throw new Error(`--days must be 1..30, got ${days}`);
  const brokers = await ctx.ensureKafka();
  // A database and topic prefix of its own, so the demo never mixes with real data and can run again.
  const databaseUrl = withDatabase(ctx.config.databaseUrl, DEMO_DATABASE);
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  const prefix = `kyodo-demo-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
  const config = {
    ...ctx.config,
    databaseUrl,
    topicPrefix: prefix,
    kafkaBrokers: brokers,
    registryRefreshMs: 500,
    // A key of its own per run: the demo's audit never shares the development key or a real one.
    auditHmacKey: randomBytes(32).toString('hex'),
  };
  const topics = topicsFor(prefix);
  ctx.progress(`Demo database ${DEMO_DATABASE}, topic prefix ${prefix}`);

  const demoCtx = new CliContext(config, ctx.out, ctx.progress);
  const generated =
    seed === undefined
      ? undefined
      : generateTraffic({ seed, days, supplyPointsPerArea: 3, startDate: '2026-11-01' });
  let registryFile = join(ctx.repoRoot, 'demo', 'registry.yaml');
  if (generated) {
    registryFile = join(await mkdtemp(join(tmpdir(), 'kyodo-demo-')), 'registry.yaml');
    await writeFile(registryFile, renderRegistry(generated.registry));
  }
  if ((await importRegistryFile(demoCtx, registryFile)) !== 0)
    throw new Error(`could not import the demo registry ${registryFile}`);
  const ds = createDataSource(databaseUrl);
  await ds.initialize();
  const kafka = createKafkaClient({
    client: config.kafkaClient,
    brokers,
    clientId: 'kyodo-demo',
    defaultPartitions: config.partitionsPerTopic,
  });
  try {
    const registry = new RegistrySnapshot((await new RegistryRepository(ds).loadSnapshot()).data);

    // Quieter than the usual `info` unless KYODO_LOG_LEVEL asks otherwise: the summary is the output.
    const logger = createLogger(ctx.config.logLevelFromEnv ? ctx.config.logLevel : 'warn');
    const app = await startApp('kyodo', [GatewayModule, AuditModule, ApiModule], { config, logger, port: 0 });
    try {
      const traffic = generated
        ? {
            records: generated.events.map((e) => ({
              topic: topics.inbox(e.sender),
              key: e.key,
              value: JSON.stringify(e.event),
            })),
            counts: generated.counts,
          }
        : demoTraffic(registry, topics, days);
      const producer = await kafka.createProducer();
      for (let i = 0; i < traffic.records.length; i += 500)
        await producer.send(traffic.records.slice(i, i + 500));
      await producer.disconnect();
      ctx.progress(
        `Sent ${traffic.records.length} events: ${Object.entries(traffic.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`,
      );

      const gateway = app.get(GatewayService);
      const sent = traffic.records.length;
      await until(
        () => gateway.totals.inputs >= sent,
        120_000,
        () =>
          ctx.progress(
            `  processed ${gateway.totals.inputs}/${sent} (delivered ${gateway.totals.accepted}, rejected ${gateway.totals.rejected})`,
          ),
      );
      const totals = gateway.totals;
      ctx.progress(
        `Processed ${totals.inputs}: ${totals.accepted} accepted + ${totals.rejected} rejected; ${totals.deliveries} outbound events`,
      );

      // One audit record per delivery, per rejection, and per accepted input that concerned nobody
      // (`no-recipient`): read until all three kinds are there.
      const auditRecords: AuditRecord[] = [];
      await readAll(kafka, [topics.audit], (records) => {
        for (const r of records.slice(auditRecords.length))
          auditRecords.push(JSON.parse(r.value!.toString('utf8')) as AuditRecord);
        return auditComplete(auditRecords, totals);
      });
      const outboxes = await readAll(
        kafka,
        [...registry.parties.keys()].map((id) => topics.outbox(id)),
        (r) => r.length >= totals.deliveries,
      );
      const dlq = await readAll(kafka, [topics.dlq], (r) => r.length >= totals.rejected);
      const repository = new AuditRepository(ds);
      const rows = await until(async () => {
        const [{ n }] = await ds.query<{ n: number }[]>('SELECT count(*)::int AS n FROM audit_record');
        const count = Number(n);
        return count >= auditRecords.length ? count : undefined;
      }, 60_000);
      const verification = await verifyChain(repository.streamChain());

      ctx.out(
        formatSummary(summarise(registry, auditRecords, outboxes, dlq), { sent, totals, rows, verification }),
      );
    } finally {
      await app.close();
    }
  } finally {
    await kafka.close();
    await ds.destroy();
  }
  ctx.progress('Done. The broker keeps running; `npx kyodo infra down` stops it.');
}

async function until<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  onTick?: () => void,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastTick = 0;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`the demo did not finish within ${timeoutMs / 1000}s`);
    if (onTick && Date.now() - lastTick > 1000) {
      onTick();
      lastTick = Date.now();
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Reads committed records from the start of `topics` until `enough` says so, in a consumer group of its own. */
async function readAll(
  kafka: KafkaPort,
  topics: string[],
  enough: (records: ConsumedRecord[]) => boolean,
): Promise<ConsumedRecord[]> {
  const reading = await collectRecords(
    kafka,
    topics,
    `kyodo-demo-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  try {
    await until(() => enough(reading.records), 60_000);
  } finally {
    await reading.stop();
  }
  return reading.records;
}
