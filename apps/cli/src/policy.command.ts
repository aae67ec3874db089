import type { Command } from 'commander';
import { EVENT_KINDS, EVENT_TYPES, PARTY_ROLES, RegistrySnapshot } from '@kyodo/contracts';
import { RegistryRepository, createDataSource } from '@kyodo/persistence';
import {
  compilePolicy,
  diffPolicies,
  explain,
  formatExplanation,
  formatPolicyDiff,
  loadPolicy,
  PolicyError,
} from '@kyodo/policy';
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

  policy
    .command('diff')
    .description(
      'per event type and relation, which fields each role gains (+) or loses (-) from policy file OLD to NEW; ' +
        'exit 1 if anything changes, 0 if nothing does, 2 if a file cannot be read or compiled',
    )
    .argument('<old>', 'the policy file in force')
    .argument('<new>', 'the policy file proposed')
    .option('--json', 'print the changes as JSON')
    .action((oldFile: string, newFile: string, opts: { json?: boolean }) => {
      const code = policyDiff(ctx, oldFile, newFile, opts);
      if (code !== 0) process.exitCode = code;
    });
}

/** `policy diff`; returns the exit code: 0 no change, 1 changes, 2 a file that is not a valid policy. */
export function policyDiff(
  ctx: CliContext,
  oldFile: string,
  newFile: string,
  opts: { json?: boolean },
): number {
  let diff;
  try {
    diff = diffPolicies(compilePolicy(loadPolicy(oldFile)), compilePolicy(loadPolicy(newFile)));
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    ctx.progress(`kyodo: ${error.message}`);
    return 2;
  }
  ctx.out(opts.json ? JSON.stringify(diff, null, 2) : formatPolicyDiff(diff));
  return diff.changes.length > 0 ? 1 : 0;
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
