import { loadConfig, requireProductionSecrets } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { GatewayModule } from './gateway.module';

/** The gateway alone (for scaling out): Kafka in → policy → Kafka out, with health and metrics on HTTP. */
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
startApp('gateway', [GatewayModule], { config, logger })
  .then((app) => runUntilSignal(app, logger))
  .catch((error: Error) => {
    process.stderr.write(`gateway failed to start: ${error.message}\n`);
    process.exit(1);
  });
