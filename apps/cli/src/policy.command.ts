import type { Command } from 'commander';
import { EVENT_KINDS, EVENT_TYPES, PARTY_ROLES, RegistrySnapshot } from '@kyodo/contracts';
import { RegistryRepository, createDataSource } from '@kyodo/persistence';
import { compilePolicy, explain, formatExplanation, loadPolicy } from '@kyodo/policy';
import type { CliContext } from './context';

export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('inspect the policy the gateway decides with');

  policy
    .command('explain')
    .description(
      'print what a party (or a role) receives for an event type, for which purpose, and what is withheld from it',
    )
    .requiredOption(
      '--type <type>',
      `event type: ${EVENT_KINDS.join(', ')} (or ${Object.values(EVENT_TYPES).join(', ')})`,
    )
    .requiredOption('--party <party>', `a registered party id, or a role: ${PARTY_ROLES.join(', ')}`)
    .option('--json', 'print the explanation as JSON')
    .action(async (opts: { type: string; party: string; json?: boolean }) => {
      const compiled = compilePolicy(loadPolicy(ctx.config.policyFile));
      const registry = (PARTY_ROLES as readonly string[]).includes(opts.party)
        ? undefined
        : await loadRegistry(ctx);
      const explanation = explain(compiled, opts.type, opts.party, registry);
      ctx.out(opts.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation));
    });
}

async function loadRegistry(ctx: CliContext): Promise<RegistrySnapshot> {
  const ds = createDataSource(ctx.config.databaseUrl, { poolSize: 1, applicationName: 'kyodo-cli' });
  await ds.initialize();
  try {
    return new RegistrySnapshot((await new RegistryRepository(ds).loadSnapshot()).data);
  } finally {
    await ds.destroy();
  }
}
