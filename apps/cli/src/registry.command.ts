import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { topicsFor } from '@kyodo/contracts';
import { createKafkaClient, provisionPrincipals } from '@kyodo/kafka';
import { principalName } from '@kyodo/infra';
import type { Party } from '@kyodo/contracts';
import {
  createDataSource,
  RegistryRepository,
  runMigrations,
  type RegistryImportResult,
} from '@kyodo/persistence';
import {
  gatewayTopicSpecs,
  kafkaClientOptions,
  partyTopicSpecs,
  provisionTopics,
  topicOptions,
} from '@kyodo/platform';
import {
  checkReferences,
  checkSecretParties,
  checkSecretStrength,
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
    const weak = checkSecretStrength(secrets);
    if (weak.length > 0) return reportErrors(ctx, weak);
    if (!ctx.config.kafkaSecurity?.sasl) {
      ctx.progress(
        `kyodo: --secrets sets SCRAM users on a secured broker, but no KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME / ` +
          'KAFKA_SASL_PASSWORD are set (see `kyodo infra up --secure --json`); nothing was imported',
      );
      return 1;
    }
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
  let registeredBefore: readonly Party[] = [];
  try {
    await runMigrations(ds);
    const repository = new RegistryRepository(ds);
    const { data: existing } = await repository.loadSnapshot();
    registeredBefore = existing.parties;
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
  if (imported.delegations > 0) {
    ctx.out(
      `Upserted ${plural(imported.delegations, 'delegation')} (who may act for whom on the HTTP mailbox).`,
    );
  }
  if (imported.agreementsListed) {
    ctx.out(
      'The registry lists agreements: a consented third party receives data only under an agreement in force.',
    );
  }

  const topics = topicsFor(ctx.config.topicPrefix);
  const partyIds = parsed.data.parties.map((party) => party.id);
  const kafka = createKafkaClient({
    client: ctx.config.kafkaClient,
    ...kafkaClientOptions(ctx.config, `${ctx.config.kafkaClientId}-cli`),
  });
  try {
    await kafka.ping();
    const partitions = ctx.config.partitionsPerTopic;
    const created = await provisionTopics(kafka, topics, partyIds, partitions, topicOptions(ctx.config));
    const wanted =
      gatewayTopicSpecs(topics, partitions).length + partyTopicSpecs(topics, partyIds, partitions).length;
    ctx.out(`Topics: ${plural(created.length, 'topic')} created, ${wanted - created.length} already present`);
  } catch (error) {
    ctx.progress(
      `kyodo: the registry was saved, but the topics could not be created on Kafka at ${ctx.config.kafkaBrokers.join(',')}: ` +
        `${messageOf(error)}. The gateway creates them at its next registry refresh.`,
    );
    return 1;
  } finally {
    await kafka.close();
  }
  if (!ctx.config.kafkaSecurity?.sasl) return 0;
  return provisionBroker(ctx, mergeParties(registeredBefore, parsed.data.parties), secrets);
}

/** Every registered party after the import: the file's, then those registered before and not in it. */
function mergeParties(before: readonly Party[], file: readonly Party[]): Party[] {
  const inFile = new Set(file.map((p) => p.id));
  return [...file, ...before.filter((p) => !inFile.has(p.id))];
}

/**
 * On a secured broker: each party's SCRAM user (from `--secrets`) and exactly its ACLs; a suspended
 * party loses both. Kyodo's apps get their ACLs for this topic prefix.
 */
async function provisionBroker(
  ctx: CliContext,
  parties: readonly Party[],
  secrets: readonly SecretEntry[],
): Promise<number> {
  const passwords = new Map(secrets.map((s) => [s.partyId, s.password]));
  const startedAt = performance.now();
  try {
    const result = await provisionPrincipals({
      brokers: ctx.config.kafkaBrokers,
      security: ctx.config.kafkaSecurity,
      topicPrefix: ctx.config.topicPrefix,
      parties: parties.map((p) => ({
        id: p.id,
        suspended: p.suspended === true,
        password: passwords.get(p.id),
      })),
      kyodo: {
        gateway: principalName('gateway'),
        audit: principalName('audit'),
        api: principalName('api'),
      },
    });
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    ctx.out(
      `Broker: ${plural(result.usersUpserted, 'SCRAM user')} set, ${result.usersRemoved} removed (suspended); ` +
        `${plural(result.aclsCreated, 'ACL')} created, ${result.aclsRemoved} removed (${seconds}s)`,
    );
    return 0;
  } catch (error) {
    ctx.progress(
      `kyodo: the registry and topics were saved, but the broker's users and ACLs could not be set: ${messageOf(error)}. ` +
        'Run the import again once the broker answers.',
    );
    return 1;
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
