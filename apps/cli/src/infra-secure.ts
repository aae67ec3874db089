import { SecureLocalKafka, principalName } from '@kyodo/infra';
import { provisionPrincipals } from '@kyodo/kafka';
import type { CliContext } from './context';

/** The secured local broker of `infra up --secure` / `infra down --secure`. */
export function secureLocalKafka(ctx: CliContext): SecureLocalKafka {
  return new SecureLocalKafka({
    repoRoot: ctx.repoRoot,
    cacheDir: ctx.config.cacheDir,
    stateDir: ctx.config.stateDir,
    progress: ctx.progress,
  });
}

/**
 * Starts (or reuses) the secured broker and gives Kyodo's apps their ACLs for the configured topic
 * prefix (`registry import` does the same for the parties). Returns what `--json` prints: the
 * environment holds `kyodo-admin`'s password, so it is printed only there.
 */
export async function secureInfraUp(
  ctx: CliContext,
): Promise<{ brokers: string; caFile: string; env: Record<string, string> }> {
  const broker = secureLocalKafka(ctx);
  const status = await broker.up();
  await provisionPrincipals({
    brokers: status.brokers,
    security: broker.securityFor('admin'),
    topicPrefix: ctx.config.topicPrefix,
    parties: [],
    kyodo: { gateway: principalName('gateway'), audit: principalName('audit'), api: principalName('api') },
  });
  return { brokers: status.brokers.join(','), caFile: status.caFile, env: { ...status.env } };
}
