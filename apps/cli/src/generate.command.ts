import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { generateTraffic, type GeneratedEvent, type GeneratedTraffic } from '@kyodo/contracts/testing';
import type { CliContext } from './context';
import { startProgress } from './progress';
import { messageOf, plural } from './support';

export function registerGenerateCommand(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .description(
      'seeded synthetic traffic: a registry with parties in all ten areas and their events (switches through ' +
        'their phases, daily 48-interval readings, negawatt dispatches with a baseline, remote-island and ' +
        'last-resort supply points, consent and enrollment windows), with Japanese names and addresses. ' +
        'Writes DIR/registry.yaml and DIR/events.ndjson, or produces the events to the inboxes. Same seed, same output',
    )
    .option('--seed <n>', 'drives every choice', integer('--seed', 0, 2 ** 31), 1)
    .option('--days <n>', 'days of meter readings', integer('--days', 1, 366), 7)
    .option('--supply-points <n>', 'supply points per area', integer('--supply-points', 1, 10_000), 4)
    .option('--start <YYYY-MM-DD>', 'first day', '2026-11-01')
    .option('--out <dir>', 'write registry.yaml and events.ndjson here')
    .option('--produce', 'send the events to the inboxes (import the registry first)')
    .action(async (opts: GenerateOptions) => {
      const code = await generate(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });
}

export interface GenerateOptions {
  readonly seed: number;
  readonly days: number;
  readonly supplyPoints: number;
  readonly start: string;
  readonly out?: string;
  readonly produce?: boolean;
}

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    return n;
  };
}

/** The registry as `registry import` reads it. */
export function renderRegistry(registry: RegistryData): string {
  return (
    '# Synthetic registry written by `kyodo generate`: no real person, place or contract.\n' +
    stringify(registry, { lineWidth: 0 })
  );
}

/** One line per event: `{ "sender", "key", "event" }`. */
export function renderEvents(events: readonly GeneratedEvent[]): string {
  let text = '';
  for (const e of events) text += `${JSON.stringify({ sender: e.sender, key: e.key, event: e.event })}\n`;
  return text;
}

/** `kyodo generate`; returns the exit code. */
export async function generate(ctx: CliContext, opts: GenerateOptions): Promise<number> {
  if (opts.out === undefined && !opts.produce) {
    ctx.progress('kyodo: say where the traffic goes: --out DIR, --produce, or both');
    return 2;
  }
  let traffic: GeneratedTraffic;
  try {
    traffic = generateTraffic({
      seed: opts.seed,
      days: opts.days,
      supplyPointsPerArea: opts.supplyPoints,
      startDate: opts.start,
    });
  } catch (error) {
    ctx.progress(`kyodo: ${messageOf(error)}`);
    return 2;
  }
  const summary = Object.entries(traffic.counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  if (opts.out !== undefined) {
    await mkdir(opts.out, { recursive: true });
    await writeFile(join(opts.out, 'registry.yaml'), renderRegistry(traffic.registry));
    await writeFile(join(opts.out, 'events.ndjson'), renderEvents(traffic.events));
    ctx.out(
      `Wrote ${join(opts.out, 'registry.yaml')} (${plural(traffic.registry.parties.length, 'party', 'parties')}) and ` +
        `${join(opts.out, 'events.ndjson')} (${plural(traffic.events.length, 'event')}: ${summary}).`,
    );
  }
  if (opts.produce) {
    const topics = topicsFor(ctx.config.topicPrefix);
    const kafka = ctx.kafka('generate');
    try {
      const existing = new Set(await kafka.listTopics());
      const missing = [...new Set(traffic.events.map((e) => topics.inbox(e.sender)))].filter(
        (t) => !existing.has(t),
      );
      if (missing.length > 0) {
        ctx.progress(
          `kyodo: no inbox ${missing.join(', ')}: import the registry first (kyodo registry import)`,
        );
        return 1;
      }
      const producer = await kafka.createProducer();
      const progress = startProgress(ctx, 'produce', { unit: 'events', total: traffic.events.length });
      try {
        for (let i = 0; i < traffic.events.length; i += 500) {
          const chunk = traffic.events.slice(i, i + 500);
          await producer.send(
            chunk.map((e) => ({ topic: topics.inbox(e.sender), key: e.key, value: JSON.stringify(e.event) })),
          );
          progress.increment(chunk.length);
        }
      } finally {
        progress.stop();
        await producer.disconnect();
      }
      ctx.out(`Produced ${plural(traffic.events.length, 'event')} to the inboxes (${summary}).`);
    } catch (error) {
      ctx.progress(`kyodo: producing failed: ${messageOf(error)}`);
      return 1;
    } finally {
      await kafka.close();
    }
  }
  return 0;
}
