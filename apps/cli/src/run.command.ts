import type { Command } from 'commander';
import { ConfigError, DEVELOPMENT_HMAC_KEY, requireProductionSecrets } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { ApiModule } from '../../api/src/api.module';
import { AuditModule } from '../../audit/src/audit.module';
import { RegularAuditModule } from '../../audit/src/regular-audit.module';
import { GatewayModule } from '../../gateway/src/gateway.module';
import type { CliContext } from './context';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'run the gateway, the audit writer and the HTTP API in one process until SIGTERM. Needs ' +
        'KYODO_AUDIT_HMAC_KEY (a random key of at least 16 bytes); KYODO_ALLOW_DEVELOPMENT_KEY=1 runs ' +
        'with the published development key instead, for local trials only',
    )
    .action(async () => {
      try {
        requireProductionSecrets(ctx.config);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        ctx.progress(`kyodo: ${error.message}`);
        process.exitCode = 2;
        return;
      }
      const logger = createLogger(ctx.config.logLevel);
      if (ctx.config.auditHmacKey === DEVELOPMENT_HMAC_KEY) {
        logger.warn(
          'running with the published development HMAC key (KYODO_ALLOW_DEVELOPMENT_KEY=1): for local trials only',
        );
      }
      const app = startApp('kyodo', [GatewayModule, AuditModule, ApiModule, RegularAuditModule], {
        config: ctx.config,
        logger,
      });
      await runUntilSignal(app, logger);
    });
}
