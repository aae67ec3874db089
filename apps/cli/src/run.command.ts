import type { Command } from 'commander';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { ApiModule } from '../../api/src/api.module';
import { AuditModule } from '../../audit/src/audit.module';
import { GatewayModule } from '../../gateway/src/gateway.module';
import type { CliContext } from './context';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run the gateway, the audit writer and the HTTP API in one process until SIGTERM')
    .action(async () => {
      const logger = createLogger(ctx.config.logLevel);
      const app = await startApp('kyodo', [GatewayModule, AuditModule, ApiModule], {
        config: ctx.config,
        logger,
      });
      await runUntilSignal(app, logger);
    });
}
