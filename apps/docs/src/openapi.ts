import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { CLOCK, CONFIG, DATA_SOURCE, KAFKA, LOGGER, METRICS } from '@kyodo/platform';
import { ApiModule } from '../../api/src/api.module';
import { openApiConfig } from '../../api/src/openapi/openapi.service';

const PLATFORM_TOKENS = [CONFIG, LOGGER, METRICS, KAFKA, DATA_SOURCE, CLOCK];

/**
 * Stands in for the PlatformModule while the API is only scanned: preview mode checks that every
 * dependency has a provider but calls none, so nothing here is ever used.
 */
@Global()
@Module({
  providers: PLATFORM_TOKENS.map((token) => ({ provide: token, useValue: null })),
  exports: PLATFORM_TOKENS,
})
class ScanOnlyPlatformModule {}

@Module({ imports: [ScanOnlyPlatformModule, ApiModule] })
class OpenApiDocumentModule {}

/**
 * The OpenAPI document of the HTTP API, as `GET /openapi.json` serves it, built without a database or
 * a broker: the API module is scanned in Nest's preview mode, which maps its controllers and routes
 * but instantiates no provider. Every controller the module declares is picked up.
 */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(OpenApiDocumentModule, {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return SwaggerModule.createDocument(app, openApiConfig());
  } finally {
    await app.close();
  }
}
