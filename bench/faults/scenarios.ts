/**
 * The fault scenarios. Each builds its own Stage, breaks something while traffic flows, and ends with
 * Stage.verify (barriers, then exactly-once, audit and balance checks). Sizes come from the caller:
 * `npm run faults` runs the full ones, the test suite the short ones.
 */
import { execFileSync } from 'node:child_process';
import type { LocalKafka } from '@kyodo/infra';
import { hostileRecords } from './hostile';
import { reading, sleep, Stage, REGISTRY, type FaultRow, type KyodoProcess } from './stage';

export interface FaultContext {
  readonly brokers: readonly string[];
  readonly databaseUrl: string;
  /** The suite's own broker, which the broker scenario stops and starts. */
  readonly broker: LocalKafka;
  readonly log: (line: string) => void;
}

export interface Sizes {
  readonly kill9: { events: number; kills: number };
  readonly scale: { events: number };
  readonly zombie: { events: number };
  readonly broker: { events: number };
  readonly postgres: { events: number; downSeconds: number };
  readonly duplicates: { events: number };
  readonly hostile: { hostile: number; valid: number };
}

export const FULL: Sizes = {
  kill9: { events: 100_000, kills: 10 },
  scale: { events: 40_000 },
  zombie: { events: 20_000 },
  broker: { events: 20_000 },
  postgres: { events: 20_000, downSeconds: 30 },
  duplicates: { events: 20_000 },
  hostile: { hostile: 100_000, valid: 20_000 },
};

export const SHORT: Sizes = {
  kill9: { events: 12_000, kills: 3 },
  scale: { events: 10_000 },
  zombie: { events: 6000 },
  broker: { events: 6000 },
  postgres: { events: 6000, downSeconds: 10 },
  duplicates: { events: 4000 },
  hostile: { hostile: 6000, valid: 3000 },
};

/** What the test suite runs: every scenario but the PostgreSQL outage, small. */
export const CI: Sizes = {
  kill9: { events: 6000, kills: 3 },
  scale: { events: 6000 },
  zombie: { events: 3000 },
  broker: { events: 3000 },
  postgres: { events: 3000, downSeconds: 10 },
  duplicates: { events: 2000 },
  hostile: { hostile: 4000, valid: 1500 },
};

const ids = (from: number, count: number) =>
  new Set(Array.from({ length: count }, (_, i) => reading(from + i).id));

/** Sends `count` readings from `from` in the background, in slices, so faults land mid-stream. */
function trickle(stage: Stage, from: number, count: number, slice = 1000): Promise<void> {
  return (async () => {
    for (let i = 0; i < count; i += slice)
      await stage.send(stage.readings(from + i, Math.min(slice, count - i)));
  })();
}

type Scenario = (ctx: FaultContext, sizes: Sizes) => Promise<FaultRow>;

async function withStage(
  ctx: FaultContext,
  partitions: number,
  body: (stage: Stage) => Promise<FaultRow>,
): Promise<FaultRow> {
  const stage = new Stage(ctx.brokers, ctx.databaseUrl, partitions);
  try {
    await stage.setup();
    return await body(stage);
  } finally {
    await stage.teardown();
  }
}

export const SCENARIOS: Record<string, Scenario> = {
  /** SIGKILL of `kyodo run` at random moments, restarted each time. */
  kill9: (ctx, { kill9 }) =>
    withStage(ctx, 6, async (stage) => {
      let run = await stage.spawn('run');
      const sending = trickle(stage, 0, kill9.events, 2000);
      for (let k = 0; k < kill9.kills; k++) {
        await sleep(1000 + Math.random() * 3000);
        run.signal('SIGKILL');
        await run.exited;
        ctx.log(`kill9: killed ${k + 1}/${kill9.kills}`);
        run = await stage.spawn('run');
      }
      await sending;
      const row = await stage.verify('SIGKILL ×' + kill9.kills, ids(0, kill9.events), 0);
      run.signal('SIGTERM');
      row.ok &&= (await run.exited) === 0;
      return row;
    }),

  /** Two gateways on 12 partitions; a third joins, one leaves, the registry changes, one batch outlives its session. */
  scale: (ctx, { scale }) =>
    withStage(ctx, 12, async (stage) => {
      await stage.spawn('audit');
      const g1 = await stage.spawn('gateway');
      const g2 = await stage.spawn('gateway');
      const sending = trickle(stage, 0, scale.events, 1000);
      await sleep(3000);
      await stage.spawn('gateway');
      ctx.log('scale: a third gateway joined');
      await sleep(3000);
      g1.signal('SIGTERM');
      await g1.exited;
      ctx.log('scale: one gateway left');
      await stage.importRegistry({
        ...REGISTRY,
        parties: [...REGISTRY.parties, { id: 'R0002', role: 'retailer', name: 'Sakura Denryoku' }],
      });
      ctx.log('scale: registry changed (a new party: re-subscription)');
      await sleep(3000);
      // A batch that outlives its session: the process is frozen mid-stream past the session timeout.
      g2.signal('SIGSTOP');
      await sleep(14_000);
      g2.signal('SIGCONT');
      ctx.log('scale: a frozen gateway resumed after its session expired');
      await sending;
      return stage.verify('2→3→2 instances, re-subscription, slow batch', ids(0, scale.events), 0);
    }),

  /** A zombie: frozen (SIGSTOP) past its session while the group moves on, then resumed. */
  zombie: (ctx, { zombie }) =>
    withStage(ctx, 6, async (stage) => {
      await stage.spawn('audit');
      const a = await stage.spawn('gateway', { KYODO_LOG_LEVEL: 'debug' });
      await stage.spawn('gateway', { KYODO_LOG_LEVEL: 'debug' });
      const sending = trickle(stage, 0, zombie.events, 500);
      await sleep(2500);
      a.signal('SIGSTOP');
      await sleep(15_000);
      a.signal('SIGCONT');
      await sending;
      const row = await stage.verify('zombie (SIGSTOP past session, SIGCONT)', ids(0, zombie.events), 0);
      const refused = /commit refused by the group|batch not committed|fenced|rebalanced/i.test(a.log());
      row.note = refused ? 'the zombie saw its group move on' : 'the zombie logged no refusal';
      return row;
    }),

  /** The broker stopped for 5 s and started again while `kyodo run` works. */
  broker: (ctx, { broker }) =>
    withStage(ctx, 6, async (stage) => {
      const run = await stage.spawn('run');
      await stage.send(stage.readings(0, broker.events / 2));
      await sleep(1000);
      await ctx.broker.down();
      await sleep(5000);
      await ctx.broker.up();
      ctx.log('broker: restarted');
      await stage.send(stage.readings(broker.events / 2, broker.events / 2));
      const row = await stage.verify('broker stopped 5 s', ids(0, broker.events), 0);
      run.signal('SIGTERM');
      row.ok &&= (await run.exited) === 0;
      return row;
    }),

  /**
   * PostgreSQL down for 30 s: delivery goes on, the audit catches up. Stops the Debian cluster named by
   * KYODO_FAULTS_PG_CLUSTER (default `main`, the machine's shared server); point DATABASE_URL at a
   * cluster of its own (docs/exactly-once.md) to run it beside other work.
   */
  postgres: (ctx, { postgres }) =>
    withStage(ctx, 6, async (stage) => {
      const run = await stage.spawn('run');
      const sending = trickle(stage, 0, postgres.events, 1000);
      await sleep(1500);
      const cluster = process.env.KYODO_FAULTS_PG_CLUSTER ?? 'main';
      if (!/^[a-z0-9_-]+$/i.test(cluster))
        throw new Error(`KYODO_FAULTS_PG_CLUSTER ${cluster} is not a cluster name`);
      const pg = `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) ${cluster}`;
      execFileSync('bash', ['-c', `${pg} stop -m fast`]);
      await sleep(postgres.downSeconds * 1000);
      execFileSync('bash', ['-c', `${pg} start`]);
      ctx.log('postgres: started again');
      await sending;
      const row = await stage.verify(`PostgreSQL down ${postgres.downSeconds} s`, ids(0, postgres.events), 0);
      run.signal('SIGTERM');
      row.ok &&= (await run.exited) === 0;
      return row;
    }),

  /** Every event sent twice, a third copy of some after a restart: each delivered once, the rest `duplicate`. */
  duplicates: (ctx, { duplicates }) =>
    withStage(ctx, 6, async (stage) => {
      let run: KyodoProcess = await stage.spawn('run');
      const all = stage.readings(0, duplicates.events);
      await stage.send(all);
      await stage.send(all);
      await stage.drained(`${stage.prefix}.gateway`, [stage.inbox]);
      run.signal('SIGTERM');
      await run.exited;
      run = await stage.spawn('run');
      const again = all.filter((_, i) => i % 3 === 0);
      await stage.send(again);
      const row = await stage.verify(
        'every event twice, some thrice after a restart',
        ids(0, duplicates.events),
        duplicates.events + again.length,
      );
      const reasons = (await stage.read(stage.topics.dlq)).map(
        (r) => (JSON.parse(r.value!.toString()) as { reason: string }).reason,
      );
      if (reasons.some((r) => r !== 'duplicate')) {
        row.ok = false;
        row.note = 'a rejection other than duplicate';
      }
      run.signal('SIGTERM');
      row.ok &&= (await run.exited) === 0;
      return row;
    }),

  /** Hostile records interleaved with valid traffic: no crash, each in the DLQ with its reason. */
  hostile: (ctx, { hostile }) =>
    withStage(ctx, 6, async (stage) => {
      const run = await stage.spawn('run');
      const bad = hostileRecords(stage.inbox, hostile.hostile, 5_000_000);
      const good = stage.readings(0, hostile.valid);
      const step = Math.max(1, Math.floor(bad.length / good.length));
      const mixed = [];
      for (let i = 0, g = 0; i < bad.length; i++) {
        mixed.push(bad[i].record);
        if (i % step === 0 && g < good.length) mixed.push(good[g++]);
      }
      for (let g = Math.ceil(bad.length / step); g < good.length; g++) mixed.push(good[g]);
      await stage.send(mixed);
      const row = await stage.verify(
        `${hostile.hostile} hostile + ${hostile.valid} valid`,
        ids(0, hostile.valid),
        bad.length,
      );
      const expected = new Map<string, number>();
      for (const b of bad) if (b.reason !== 'any') expected.set(b.reason, (expected.get(b.reason) ?? 0) + 1);
      const seen = new Map<string, number>();
      for (const r of await stage.read(stage.topics.dlq)) {
        const reason = (JSON.parse(r.value!.toString()) as { reason: string }).reason;
        seen.set(reason, (seen.get(reason) ?? 0) + 1);
      }
      const wrong = [...expected].filter(([reason, n]) => (seen.get(reason) ?? 0) < n);
      if (wrong.length > 0) {
        row.ok = false;
        row.note = `fewer rejections than expected for ${wrong.map(([r]) => r).join(', ')}`;
      }
      run.signal('SIGTERM');
      const code = await run.exited;
      row.ok &&= code === 0;
      return row;
    }),
};
