import type { Command } from 'commander';
import { ensureDatabase, redactUrl } from '@kyodo/infra';
import { createDataSource, runMigrations } from '@kyodo/persistence';
import type { CliContext } from './context';

export function registerInfraCommands(program: Command, ctx: CliContext): void {
  const infra = program
    .command('infra')
    .description('start or stop the local Kafka broker and prepare the database');

  infra
    .command('up')
    .description(
      'start a single-node Kafka broker on 127.0.0.1 (unless KAFKA_BROKERS is set) and create and migrate the database',
    )
    .option(
      '--secure',
      'SASL/SCRAM over TLS with per-party ACLs (not implemented yet: exits 2 and starts nothing)',
    )
    .option('--json', 'print { "brokers", "caFile" } as JSON')
    .action(async (opts: { secure?: boolean; json?: boolean }) => {
      if (opts.secure) {
        ctx.progress(
          'kyodo: infra up --secure (SASL/SCRAM over TLS with per-party ACLs) is not implemented yet; ' +
            'nothing was started. Run `kyodo infra up` for the plaintext broker on 127.0.0.1.',
        );
        process.exitCode = 2;
        return;
      }
      const brokers = await ctx.ensureKafka();
      const created = await ensureDatabase(ctx.config.databaseUrl);
      const ds = createDataSource(ctx.config.databaseUrl);
      await ds.initialize();
      try {
        const applied = await runMigrations(ds);
        ctx.progress(
          `PostgreSQL database ${created ? 'created' : 'present'}; ${applied.length} migration(s) applied`,
        );
      } finally {
        await ds.destroy();
      }
      if (opts.json) ctx.out(JSON.stringify({ brokers: brokers.join(','), caFile: null }));
      else ctx.out(`Kafka: ${brokers.join(',')}\nPostgreSQL: ${redactUrl(ctx.config.databaseUrl)}`);
    });

  infra
    .command('down')
    .description('stop the local Kafka broker started by `infra up`')
    .action(async () => {
      const result = await ctx.localKafka().down();
      ctx.out(
        result.stopped ? `Stopped the Kafka broker (pid ${result.pid})` : 'No local Kafka broker was running',
      );
    });
}
