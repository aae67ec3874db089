import type { INestApplication } from '@nestjs/common';
import { ApplicationConfig, type HttpAdapterHost, type ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME } from '../http/openapi-common';

export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('Kyodo API')
    .setDescription(
      'Read access to the audit trail of the Kyodo gateway: what was disclosed about a supply point, ' +
        'audit record search, reconciliation of the audit trail with the outboxes, and the registry. ' +
        'Everything under /v1/ needs `Authorization: Bearer <api key>`; keys are made with ' +
        '`kyodo apikey create --role auditor|registry-admin`. /health/live, /health/ready and /metrics ' +
        'need no credentials.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key from `kyodo apikey create`.' },
      API_KEY_SCHEME,
    )
    .build();
}

/**
 * The OpenAPI document of the running app, built on first use. SwaggerModule scans an application;
 * a module cannot reach the INestApplication it is part of, so unless `attach` hands it over (see
 * configureHttp), the scan is given the parts of it that it reads: the modules, the HTTP adapter and
 * an application config (no global prefix or versioning, as startApp sets none).
 */
export class OpenApiService {
  private cached: OpenAPIObject | undefined;
  private app: INestApplication | undefined;

  constructor(
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  attach(app: INestApplication): void {
    this.app = app;
    this.cached = undefined;
  }

  document(): OpenAPIObject {
    this.cached ??= SwaggerModule.createDocument(this.app ?? this.scannable(), openApiConfig());
    return this.cached;
  }

  private scannable(): INestApplication {
    const modules = this.modules;
    const view = {
      container: { getModules: () => modules, isGlobalModule: () => false },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    };
    return view as unknown as INestApplication;
  }
}
