import type { LocalKafka } from '@kyodo/infra';
import { startFaultBroker } from '../../bench/faults/main';
import { CI, SCENARIOS } from '../../bench/faults/scenarios';
import type { FaultRow } from '../../bench/faults/stage';

// The fault suite's small variants, on a broker of its own, with the gateway and audit writer as
// separate processes built by the global setup.

const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

describe('fault suite (short)', () => {
  let broker: LocalKafka;
  let brokers: readonly string[];
  const rows: FaultRow[] = [];

  beforeAll(async () => {
    broker = startFaultBroker(log);
    brokers = (await broker.up()).brokers;
  }, 180_000);

  afterAll(async () => {
    for (const row of rows) log(JSON.stringify(row));
    await broker?.down();
  }, 60_000);

  // The rest (two to three instances with a re-subscription, the broker restart, PostgreSQL down) take
  // minutes of deliberate waiting: `npm run faults` runs them.
  it.each(['kill9', 'zombie', 'duplicates', 'hostile'])(
    '%s: every expected output exactly once, audited, chained, balanced',
    async (name) => {
      const row = await SCENARIOS[name](
        { brokers, databaseUrl: process.env.KYODO_TEST_DATABASE_URL!, broker, log },
        CI,
      );
      rows.push(row);
      expect({ ...row, seconds: 0 }).toEqual({
        ...row,
        seconds: 0,
        duplicates: 0,
        missing: 0,
        chainVerified: true,
        balanced: true,
        ok: true,
      });
    },
    600_000,
  );
});
