import { runStandalone } from '@kyodo/platform';
import { ApiModule } from './api.module';
import { configureHttp } from './http/configure-http';

export { configureHttp } from './http/configure-http';

/** The HTTP API alone: /v1/ (API keys), /openapi.json, health and metrics. */
if (require.main === module) {
  // startApp has already mapped the routes and started listening; with ApiModule imported,
  // configureHttp only hands the app to the OpenAPI service, whose document is built on first request.
  runStandalone('api', [ApiModule], configureHttp);
}
