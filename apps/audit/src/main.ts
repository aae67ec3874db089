import { loadConfig, requireProductionSecrets } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { AuditModule } from './audit.module';

/** The audit writer alone: `kyodo.audit` → PostgreSQL, with health and metrics on HTTP. */
const config = (() => {
  try {
    const loaded = loadConfig();
    requireProductionSecrets(loaded);
    return loaded;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();
const logger = createLogger(config.logLevel);
startApp('audit', [AuditModule], { config, logger })
  .then((app) => runUntilSignal(app, logger))
  .catch((error: Error) => {
    process.stderr.write(`audit writer failed to start: ${error.message}\n`);
    process.exit(1);
  });
