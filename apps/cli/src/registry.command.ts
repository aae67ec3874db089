import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { topicsFor } from '@kyodo/contracts';
import { createKafkaClient, provisionPrincipals } from '@kyodo/kafka';
import { principalName } from '@kyodo/infra';
import type { Agreement, Consent, Enrollment, Party } from '@kyodo/contracts';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  RegistryRepository,
  runMigrations,
  type BulkRegistryImport,
  type RegistryImportResult,
  type Staged,
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
  RegistryLineReader,
  type RegistryFileError,
  type SecretEntry,
} from '@kyodo/registry';
import type { CliContext } from './context';
import { startProgress } from './progress';
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
    .argument(
      '<file>',
      'registry YAML file (see CONTRACT.md, "Registry file"), or a .ndjson / .jsonl file of one object per line, each with a "kind" (streamed: for millions of rows)',
    )
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
  if (isLineDelimited(file)) return importRegistryStream(ctx, file, options);
  const text = await readText(ctx, file);
  if (text === undefined) return 1;
  const parsed = parseRegistryFile(text, file);
  if (!parsed.ok) return reportErrors(ctx, parsed.errors);

  const secrets = await readSecrets(ctx, options);
  if (typeof secrets === 'number') return secrets;

  const ds = await openRegistryDatabase(ctx);
  if (!ds) return 1;
  let imported: RegistryImportResult;
  let registeredBefore: readonly Party[] = [];
  try {
    await runMigrations(ds);
    const repository = new RegistryRepository(ds);
    registeredBefore = (await repository.loadDirectory()).parties;
    const registered = new Map(registeredBefore.map((party) => [party.id, party]));
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
  return afterImport(ctx, file, imported, registeredBefore, parsed.data.parties, secrets);
}

/** At most this many errors are reported; reading stops there. */
const MAX_ERRORS = 100;
/** Rows staged per round trip. */
const BATCH_ROWS = 5000;

function seconds(from: number, to: number): string {
  return `${((to - from) / 1000).toFixed(1)}s`;
}

function isLineDelimited(file: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(file);
}

/**
 * `registry import FILE.ndjson`: read a line at a time (bounded memory whatever the size), each line
 * checked as it comes and staged in batches; duplicates are then found in the staging tables, and
 * only a file without any error is merged, in the same one transaction. Progress with rate and ETA on
 * a terminal.
 */
async function importRegistryStream(
  ctx: CliContext,
  file: string,
  options: { secrets?: string },
): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    ctx.progress(`kyodo: cannot read ${file}: ${messageOf(error)}`);
    return 1;
  }
  const secrets = await readSecrets(ctx, options);
  if (typeof secrets === 'number') return secrets;
  const ds = await openRegistryDatabase(ctx);
  if (!ds) return 1;
  const started = performance.now();
  let registeredBefore: readonly Party[];
  let reader: RegistryLineReader;
  let imported: RegistryImportResult;
  let staged: BulkRegistryImport | number | undefined;
  try {
    await runMigrations(ds);
    const repository = new RegistryRepository(ds);
    registeredBefore = (await repository.loadDirectory()).parties;
    reader = new RegistryLineReader(new Map(registeredBefore.map((party) => [party.id, party])));
    staged = await stageLines(ctx, repository, reader, file, size);
    if (typeof staged === 'number') return staged;
    const read = performance.now();
    const known = new Set([...registeredBefore.map((p) => p.id), ...reader.defined.map((p) => p.id)]);
    const errors = checkSecretParties(secrets, known);
    const duplicates = await staged.duplicates(MAX_ERRORS);
    const checked = performance.now();
    for (const d of duplicates) {
      errors.push({
        file,
        line: d.again.line,
        column: 0,
        path: d.kind,
        message: `${d.kind} ${d.key} is named again (first at line ${d.first.line})`,
      });
    }
    if (errors.length > 0) {
      await staged.rollback();
      return reportErrors(ctx, errors);
    }
    ctx.progress(
      `… read, checked and staged in ${seconds(started, read)}, no duplicates (${seconds(read, checked)}); merging into the registry`,
    );
    imported = await staged.commit();
    ctx.progress(`… merged in ${seconds(checked, performance.now())}`);
  } catch (error) {
    // Its connection goes back to the pool before the pool closes (a no-op once committed).
    if (typeof staged === 'object') await staged.rollback().catch(() => undefined);
    ctx.progress(`kyodo: nothing was imported: ${messageOf(error)}`);
    return 1;
  } finally {
    await ds.destroy();
  }
  const took = (performance.now() - started) / 1000;
  const rows = imported.parties + imported.enrollments + imported.consents + imported.agreements;
  ctx.progress(`… ${rows} rows in ${took.toFixed(1)}s (${Math.round(rows / Math.max(took, 0.001))} rows/s)`);
  return afterImport(ctx, file, imported, registeredBefore, reader.defined, secrets);
}

/** Reads, checks and stages every line; the import in progress, or the exit code after errors. */
async function stageLines(
  ctx: CliContext,
  repository: RegistryRepository,
  reader: RegistryLineReader,
  file: string,
  size: number,
): Promise<BulkRegistryImport | number> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const progress = startProgress(ctx, `import ${basename(file)}`, { unit: 'rows', total: 0 });
  const errors: RegistryFileError[] = [];
  let bulk: BulkRegistryImport | undefined;
  let batch = emptyBatch();
  let pending = 0;
  let done = 0;
  let agreementsListed = false;
  let line = 0;
  const flush = async () => {
    if (pending === 0) return;
    bulk ??= await repository.beginBulkImport({ agreementsListed });
    await bulk.stage(batch);
    done += pending;
    // The total is estimated from the share of the file read so far, for the rate and the ETA.
    progress.setTotal(Math.round((done * size) / Math.max(1, input.bytesRead)));
    progress.increment(pending);
    batch = emptyBatch();
    pending = 0;
  };
  try {
    for await (const text of lines) {
      line += 1;
      const read = reader.read(text, file, line);
      if (!read.ok) {
        errors.push(...read.errors);
        if (errors.length >= MAX_ERRORS) break;
        continue;
      }
      if (read.row === undefined || errors.length > 0) continue;
      const origin = { source: 0, line };
      const row = read.row;
      if (row.kind === 'party') batch.parties.push({ ...row.party, origin });
      else if (row.kind === 'enrollment') batch.enrollments.push({ ...row.enrollment, origin });
      else if (row.kind === 'consent') batch.consents.push({ ...row.consent, origin });
      else {
        batch.agreements.push({ ...row.agreement, origin });
        agreementsListed = true;
      }
      pending += 1;
      if (pending >= BATCH_ROWS) await flush();
    }
    if (errors.length === 0) {
      await flush();
      // Nothing staged yet (an empty file, or only blank lines): still one transaction, one version.
      bulk ??= await repository.beginBulkImport({ agreementsListed });
    }
  } catch (error) {
    await bulk?.rollback();
    throw error;
  } finally {
    lines.close();
    input.destroy();
    progress.stop();
  }
  if (errors.length > 0 || bulk === undefined) {
    await bulk?.rollback();
    if (errors.length >= MAX_ERRORS)
      ctx.progress(`kyodo: stopped reading at line ${line} after ${MAX_ERRORS} errors`);
    return reportErrors(ctx, errors);
  }
  return bulk;
}

function emptyBatch(): {
  parties: Staged<Party>[];
  enrollments: Staged<Enrollment>[];
  consents: Staged<Consent>[];
  agreements: Staged<Agreement>[];
} {
  return { parties: [], enrollments: [], consents: [], agreements: [] };
}

async function readSecrets(ctx: CliContext, options: { secrets?: string }): Promise<SecretEntry[] | number> {
  if (options.secrets === undefined) return [];
  const secretsText = await readText(ctx, options.secrets);
  if (secretsText === undefined) return 1;
  const read = parseSecretsFile(secretsText, options.secrets);
  if (!read.ok) return reportErrors(ctx, read.errors);
  const weak = checkSecretStrength(read.secrets);
  if (weak.length > 0) return reportErrors(ctx, weak);
  if (!ctx.config.kafkaSecurity?.sasl) {
    ctx.progress(
      `kyodo: --secrets sets SCRAM users on a secured broker, but no KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME / ` +
        'KAFKA_SASL_PASSWORD are set (see `kyodo infra up --secure --json`); nothing was imported',
    );
    return 1;
  }
  return read.secrets;
}

async function openRegistryDatabase(ctx: CliContext): Promise<DataSource | undefined> {
  const ds = createDataSource(ctx.config.databaseUrl, { poolSize: 2, applicationName: 'kyodo-cli' });
  try {
    await ds.initialize();
    return ds;
  } catch (error) {
    ctx.progress(
      `kyodo: cannot reach PostgreSQL at ${redactUrl(ctx.config.databaseUrl)}: ${messageOf(error)}`,
    );
    return undefined;
  }
}

/** The summary, then the topics of the file's parties, then (on a secured broker) users and ACLs. */
async function afterImport(
  ctx: CliContext,
  file: string,
  imported: RegistryImportResult,
  registeredBefore: readonly Party[],
  fileParties: readonly Party[],
  secrets: readonly SecretEntry[],
): Promise<number> {
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
  const partyIds = fileParties.map((party) => party.id);
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
  return provisionBroker(ctx, mergeParties(registeredBefore, fileParties), secrets);
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
