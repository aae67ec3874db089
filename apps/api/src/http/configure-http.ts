import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createLogger, type Logger } from '@kyodo/observability';
import { LOGGER } from '@kyodo/platform';
import { OpenApiService } from '../openapi/openapi.service';
import { ApiExceptionFilter } from './exception.filter';
import { apiValidationPipe } from './validation';

/**
 * The API's HTTP set-up for an app built some other way than by importing ApiModule: the validation
 * pipe and the error filter. With ApiModule imported these are already global (APP_PIPE, APP_FILTER),
 * so only the OpenAPI document is switched to a scan of `app` itself (which also honours a global
 * prefix set on it). Call before `listen` when ApiModule is absent.
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
