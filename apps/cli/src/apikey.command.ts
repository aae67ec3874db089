import { Option, type Command } from 'commander';
import { API_KEY_ROLES, ApiKeyPartyError, ApiKeyRepository, type ApiKeyRole } from '@kyodo/persistence';
import { openDatabase } from './support';
import type { CliContext } from './context';

export function registerApiKeyCommands(program: Command, ctx: CliContext): void {
  const apikey = program
    .command('apikey')
    .description('manage the API keys of the HTTP API (everything under /v1/)');

  apikey
    .command('create')
    .description('make an API key and print it once (only its hash is stored); details go to stderr')
    .addOption(
      new Option(
        '--role <role>',
        'auditor: /v1/disclosures, /v1/audit, /v1/reconciliation; registry-admin: /v1/registry; ' +
          'privacy-officer: POST /v1/subject-notices; party: /v1/mailbox and /v1/inbox of the --party',
      )
        .choices(API_KEY_ROLES)
        .makeOptionMandatory(),
    )
    .option('--party <id>', 'for --role party: the registered party the key acts as')
    .option('--name <text>', 'what the key is for (shown now; not stored yet)')
    .option('--json', 'print { id, role, prefix, createdAt, secret } as JSON')
    .action(async (opts: CreateOptions) => {
      const code = await createApiKey(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });

  apikey
    .command('revoke')
    .description('revoke an API key: it is refused from the next request on')
    .argument('<id>', 'the key id printed by `apikey create` or `apikey list`')
    .action(async (id: string) => {
      const code = await revokeApiKey(ctx, id);
      if (code !== 0) process.exitCode = code;
    });

  apikey
    .command('list')
    .description('list the API keys (id, role, prefix, created, revoked); never the secrets')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const code = await listApiKeys(ctx, opts);
      if (code !== 0) process.exitCode = code;
    });
}

export interface CreateOptions {
  readonly role: ApiKeyRole;
  readonly party?: string;
  readonly name?: string;
  readonly json?: boolean;
}

/** `apikey create`: the secret alone on stdout (so `KEY=$(kyodo apikey create …)` works). */
export async function createApiKey(ctx: CliContext, opts: CreateOptions): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  try {
    let key;
    try {
      key = await new ApiKeyRepository(ds).create(
        opts.role,
        opts.party === undefined ? {} : { partyId: opts.party },
      );
    } catch (error) {
      if (!(error instanceof ApiKeyPartyError)) throw error;
      ctx.progress(`kyodo: ${error.message}`);
      return 1;
    }
    if (opts.json) {
      ctx.out(
        JSON.stringify({
          id: key.id,
          role: key.role,
          ...(key.partyId === null ? {} : { partyId: key.partyId }),
          prefix: key.prefix,
          createdAt: key.createdAt,
          secret: key.secret,
        }),
      );
    } else {
      ctx.out(key.secret);
    }
    const named = opts.name === undefined ? '' : ` "${opts.name}"`;
    ctx.progress(
      `Created API key ${key.id}${named} (role ${key.role}${key.partyId === null ? '' : ` for party ${key.partyId}`}, prefix ${key.prefix}). ` +
        'It is shown only this once; only its hash is stored. Revoke it with `kyodo apikey revoke ' +
        `${key.id}\`.`,
    );
    if (opts.name !== undefined)
      ctx.progress('Note: the name is not stored; keep it next to the key id yourself.');
    return 0;
  } finally {
    await ds.destroy();
  }
}

export async function revokeApiKey(ctx: CliContext, id: string): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  try {
    const repository = new ApiKeyRepository(ds);
    if (await repository.revoke(id)) {
      ctx.out(`Revoked API key ${id}.`);
      return 0;
    }
    const existing = (await repository.list()).find((k) => k.id === id);
    ctx.progress(
      existing
        ? `kyodo: API key ${id} was already revoked at ${existing.revokedAt}`
        : `kyodo: there is no API key ${id}`,
    );
    return 1;
  } finally {
    await ds.destroy();
  }
}

export async function listApiKeys(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const ds = await openDatabase(ctx.config.databaseUrl, ctx);
  if (!ds) return 1;
  try {
    const keys = await new ApiKeyRepository(ds).list();
    if (opts.json) ctx.out(JSON.stringify(keys, null, 2));
    else if (keys.length === 0) ctx.out('No API keys. Make one with `kyodo apikey create --role auditor`.');
    else
      for (const k of keys)
        ctx.out(
          `${k.id}  ${k.role.padEnd(14)}${k.partyId === null ? '' : `  ${k.partyId}`}  ${k.prefix}…  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
        );
    return 0;
  } finally {
    await ds.destroy();
  }
}
