import { ConfigError, loadConfig, requireProductionSecrets } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { runUntilSignal, startApp } from '@kyodo/platform';
import { ApiModule } from './api.module';
import { configureHttp } from './http/configure-http';

export { configureHttp } from './http/configure-http';

/** The HTTP API alone: /v1/ (API keys), /openapi.json, health and metrics. */
if (require.main === module) {
  let config;
  try {
    config = loadConfig();
    requireProductionSecrets(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`api: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  // startApp has already mapped the routes and started listening; with ApiModule imported,
  // configureHttp only hands the app to the OpenAPI service, whose document is built on first request.
  startApp('api', [ApiModule], { config, logger })
    .then((app) => runUntilSignal(configureHttp(app), logger))
    .catch((error: Error) => {
      process.stderr.write(`api failed to start: ${error.message}\n`);
      process.exit(1);
    });
}
