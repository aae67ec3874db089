import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createLogger, type Logger } from '@kyodo/observability';
import { LOGGER } from '@kyodo/platform';
import { OpenApiService } from '../openapi/openapi.service';
import { ApiExceptionFilter } from './exception.filter';
import { apiValidationPipe } from './validation';

/**
 * Finishes the API's HTTP set-up on an app.
 *
 * With ApiModule imported (as in main.ts and `kyodo run`), the validation pipe, the error filter and the
 * guard are already global (APP_PIPE, APP_FILTER, APP_GUARD); this only hands `app` to the OpenAPI
 * service, so /openapi.json is scanned from the app itself (honouring a global prefix set on it). The
 * document is built on its first request, so this may be called after `listen`, as main.ts does.
 *
 * Without ApiModule, it registers the validation pipe and the error filter on `app`; Nest applies
 * global pipes and filters to routes as they are mapped, so call it before `app.init()` / `listen`.
 */
export function configureHttp(app: INestApplication): INestApplication {
  const openApi = find(app, OpenApiService);
  if (openApi) {
    openApi.attach(app);
    return app;
  }
  app.useGlobalPipes(apiValidationPipe());
  const logger = find<Logger>(app, LOGGER) ?? createLogger('info');
  app.useGlobalFilters(new ApiExceptionFilter(app.get(HttpAdapterHost), logger));
  return app;
}

function find<T>(app: INestApplication, token: symbol | (new (...args: never[]) => T)): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}
