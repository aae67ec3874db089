import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { topicsFor } from '@kyodo/contracts';
import { createKafkaClient } from '@kyodo/kafka';
import {
  createDataSource,
  RegistryRepository,
  runMigrations,
  type RegistryImportResult,
} from '@kyodo/persistence';
import { gatewayTopicSpecs, partyTopicSpecs, provisionTopics } from '@kyodo/platform';
import {
  checkReferences,
  checkSecretParties,
  formatRegistryFileError,
  parseRegistryFile,
  parseSecretsFile,
  type RegistryFileError,
  type SecretEntry,
} from '@kyodo/registry';
import type { CliContext } from './context';
import { messageOf, plural, redactUrl } from './support';

export function registerRegistryCommands(program: Command, ctx: CliContext): void {
  const registry = program
    .command('registry')
    .description(
      'manage the parties, aggregator enrollments and third-party consents the gateway decides against',
    );

  registry
    .command('import')
    .description(
      "check a registry file and upsert its parties, enrollments, consents and agreements into the database, then create the parties' topics",
    )
    .argument('<file>', 'registry YAML file (see CONTRACT.md, "Registry file")')
    .option('--secrets <file>', 'YAML map of party id to SCRAM password, for the secured broker')
    .action(async (file: string, opts: { secrets?: string }) => {
      const code = await importRegistryFile(ctx, file, opts);
      if (code !== 0) process.exitCode = code;
    });
}

/**
 * `registry import`: the whole file is checked, against itself and then against the parties already
 * registered, before anything is written; then it is upserted in one transaction and the topics of
 * its parties are created. Returns the exit code.
 */
export async function importRegistryFile(
  ctx: CliContext,
  file: string,
  options: { secrets?: string } = {},
): Promise<number> {
  const text = await readText(ctx, file);
  if (text === undefined) return 1;
  const parsed = parseRegistryFile(text, file);
  if (!parsed.ok) return reportErrors(ctx, parsed.errors);

  let secrets: SecretEntry[] = [];
  if (options.secrets !== undefined) {
    const secretsText = await readText(ctx, options.secrets);
    if (secretsText === undefined) return 1;
    const read = parseSecretsFile(secretsText, options.secrets);
    if (!read.ok) return reportErrors(ctx, read.errors);
    secrets = read.secrets;
  }

  const ds = createDataSource(ctx.config.databaseUrl, { poolSize: 2, applicationName: 'kyodo-cli' });
  try {
    await ds.initialize();
  } catch (error) {
    ctx.progress(
      `kyodo: cannot reach PostgreSQL at ${redactUrl(ctx.config.databaseUrl)}: ${messageOf(error)}`,
    );
    return 1;
  }
  let imported: RegistryImportResult;
  try {
    await runMigrations(ds);
    const repository = new RegistryRepository(ds);
    const { data: existing } = await repository.loadSnapshot();
    const registered = new Map(existing.parties.map((party) => [party.id, party]));
    const known = new Set([...registered.keys(), ...parsed.data.parties.map((party) => party.id)]);
    const errors = [...checkReferences(parsed, registered), ...checkSecretParties(secrets, known)];
    if (errors.length > 0) return reportErrors(ctx, errors);
    imported = await repository.importRegistry(parsed.data);
  } catch (error) {
    ctx.progress(`kyodo: nothing was imported: ${messageOf(error)}`);
    return 1;
  } finally {
    await ds.destroy();
  }
  ctx.out(
    `Registry version ${String(imported.version)}: upserted ${plural(imported.parties, 'party', 'parties')}, ` +
      `${plural(imported.enrollments, 'enrollment')}, ${plural(imported.consents, 'consent')} and ` +
      `${plural(imported.agreements, 'agreement')} from ${file}`,
  );
  if (imported.agreementsListed) {
    ctx.out(
      'The registry lists agreements: a consented third party receives data only under an agreement in force.',
    );
  }
  if (options.secrets !== undefined) {
    ctx.progress(
      `Note: ${plural(secrets.length, 'SCRAM password')} in ${options.secrets} checked but not stored: ` +
        'SCRAM users are created only by `infra up --secure`, which is not implemented yet',
    );
  }

  const topics = topicsFor(ctx.config.topicPrefix);
  const partyIds = parsed.data.parties.map((party) => party.id);
  const kafka = createKafkaClient({
    client: ctx.config.kafkaClient,
    brokers: ctx.config.kafkaBrokers,
    clientId: `${ctx.config.kafkaClientId}-cli`,
  });
  try {
    await kafka.ping();
    const partitions = ctx.config.partitionsPerTopic;
    const retention = { outboxMs: ctx.config.outboxRetentionMs, dlqMs: ctx.config.dlqRetentionMs };
    const created = await provisionTopics(kafka, topics, partyIds, partitions, retention);
    const wanted =
      gatewayTopicSpecs(topics, partitions).length + partyTopicSpecs(topics, partyIds, partitions).length;
    ctx.out(`Topics: ${plural(created.length, 'topic')} created, ${wanted - created.length} already present`);
    return 0;
  } catch (error) {
    ctx.progress(
      `kyodo: the registry was saved, but the topics could not be created on Kafka at ${ctx.config.kafkaBrokers.join(',')}: ` +
        `${messageOf(error)}. The gateway creates them at its next registry refresh.`,
    );
    return 1;
  } finally {
    await kafka.close();
  }
}

async function readText(ctx: CliContext, file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    ctx.progress(`kyodo: cannot read ${file}: ${messageOf(error)}`);
    return undefined;
  }
}

function reportErrors(ctx: CliContext, errors: readonly RegistryFileError[]): number {
  for (const error of errors) ctx.progress(formatRegistryFileError(error));
  ctx.progress(`kyodo: ${plural(errors.length, 'error')}; nothing was imported`);
  return 1;
}
