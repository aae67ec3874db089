import type { Command } from 'commander';
import { ensureDatabase, redactUrl } from '@kyodo/infra';
import { createDataSource, runMigrations } from '@kyodo/persistence';
import type { CliContext } from './context';
import { secureInfraUp, secureLocalKafka } from './infra-secure';

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
      'a second broker beside the plain one: SASL/SCRAM-SHA-512 over TLS only, ACLs, on 127.0.0.1:9192',
    )
    .option(
      '--json',
      'print { "brokers", "caFile" } as JSON; with --secure also "env", the variables (kyodo-admin\'s password included) that Kyodo\'s commands need to reach it',
    )
    .action(async (opts: { secure?: boolean; json?: boolean }) => {
      const secure = opts.secure ? await secureInfraUp(ctx) : undefined;
      const brokers = secure ? [secure.brokers] : await ctx.ensureKafka();
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
      if (opts.json) ctx.out(JSON.stringify(secure ?? { brokers: brokers.join(','), caFile: null }));
      else if (secure) {
        ctx.out(
          `Kafka (SASL_SSL, SCRAM-SHA-512): ${secure.brokers}\nCA: ${secure.caFile}\n` +
            `PostgreSQL: ${redactUrl(ctx.config.databaseUrl)}\n` +
            "Credentials of Kyodo's principals: `kyodo infra up --secure --json` prints the environment to use",
        );
      } else ctx.out(`Kafka: ${brokers.join(',')}\nPostgreSQL: ${redactUrl(ctx.config.databaseUrl)}`);
    });

  infra
    .command('down')
    .description('stop the local Kafka broker started by `infra up`')
    .option('--secure', 'stop the secured broker of `infra up --secure` instead')
    .action(async (opts: { secure?: boolean }) => {
      const result = await (opts.secure ? secureLocalKafka(ctx) : ctx.localKafka()).down();
      const which = opts.secure ? 'secured Kafka broker' : 'Kafka broker';
      ctx.out(result.stopped ? `Stopped the ${which} (pid ${result.pid})` : `No local ${which} was running`);
    });
}
