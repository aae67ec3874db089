import { loadConfig } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { ApiModule } from './api.module';
import { configureHttp } from './http/configure-http';

export { configureHttp } from './http/configure-http';

/** The HTTP API alone: /v1/ (API keys), /openapi.json, health and metrics. */
if (require.main === module) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  startApp('api', [ApiModule], { config, logger })
    .then((app) => runUntilSignal(configureHttp(app), logger))
    .catch((error: Error) => {
      process.stderr.write(`api failed to start: ${error.message}\n`);
      process.exit(1);
    });
}
