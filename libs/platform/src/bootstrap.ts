import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { ConfigError, loadConfig, requireProductionSecrets, type KyodoConfig } from '@kyodo/config';
import { KafkaPortTransport, KafkaSubscriptions } from '@kyodo/microservice';
import { createLogger, type Logger } from '@kyodo/observability';
import { HealthController } from './health.controller';
import { hardenHttp, httpServerConfig } from './http-hardening';
import { PlatformModule } from './platform.module';
import { KAFKA } from './tokens';

export interface StartOptions {
  readonly config?: KyodoConfig;
  readonly logger?: Logger;
  readonly clock?: () => Date;
  /** Listen on this port instead of config.httpPort (0 = any free port). */
  readonly port?: number;
  /**
   * false: the Kafka port transport is not connected, so the subscriptions the modules declare are left
   * for the caller to host (the benchmark of the transport's cost). Default true.
   */
  readonly transport?: boolean;
}

/**
 * Builds and starts one Kyodo process: the given feature modules on the shared platform, with health
 * and metrics over HTTP, JSON logs, and graceful shutdown on SIGTERM/SIGINT. A hybrid Nest application:
 * the batch handlers (`@BatchHandler`) are served by the Kafka port transport, a microservice that
 * starts once the modules have bootstrapped (declaring their subscriptions) and, on close, finishes
 * and commits the batches in flight before the modules' shutdown hooks run.
 */
export async function startApp(
  name: string,
  features: (Type | DynamicModule)[],
  options: StartOptions = {},
): Promise<INestApplication> {
  const config = options.config ?? loadConfig();
  const logger = (options.logger ?? createLogger(config.logLevel)).child({ app: name });
  const http = httpServerConfig(config);

  @Module({
    imports: [PlatformModule.forRoot({ config, logger, clock: options.clock }), ...features],
    controllers: [HealthController],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, {
    logger: {
      log: (message: unknown) => logger.info(String(message)),
      error: (message: unknown, trace?: string) => logger.error({ trace }, String(message)),
      warn: (message: unknown) => logger.warn(String(message)),
      debug: (message: unknown) => logger.debug(String(message)),
      verbose: (message: unknown) => logger.trace(String(message)),
    },
    abortOnError: false,
    bodyParser: false,
    ...(http.tls ? { httpsOptions: { cert: http.tls.cert, key: http.tls.key } } : {}),
  });
  hardenHttp(app, http);
  if (options.transport ?? true) {
    app.connectMicroservice<CustomStrategy>({
      strategy: new KafkaPortTransport(app.get(KAFKA), app.get(KafkaSubscriptions)),
    });
  }
  await app.init();
  await app.startAllMicroservices();
  await app.listen(options.port ?? config.httpPort, http.host);
  const address = (app.getHttpServer() as import('node:http').Server).address() as { port: number } | null;
  logger.info({ port: address?.port, host: http.host, tls: http.tls !== undefined }, `${name} started`);
  return app;
}

/**
 * Keeps the process up until SIGTERM or SIGINT, then closes the app (each module finishes and commits
 * its work in flight) and exits 0; a second signal, or a close that hangs past `graceMs`, exits 1.
 * Takes the app while it is still starting: the handlers are installed at once, so a signal that
 * arrives during start-up (when the gateway may already be delivering) waits for it and closes cleanly.
 * A start-up that fails exits 1 with the reason.
 */
export function runUntilSignal(
  starting: INestApplication | Promise<INestApplication>,
  logger: Logger,
  graceMs = 30_000,
  name = 'kyodo',
): Promise<void> {
  const app = Promise.resolve(starting);
  app.catch((error: Error) => {
    process.stderr.write(`${name} failed to start: ${error.message}\n`);
    process.exit(1);
  });
  return new Promise((done) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        logger.warn({ signal }, 'second signal; exiting now');
        process.exit(1);
      }
      closing = true;
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ graceMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, graceMs);
      timer.unref();
      app
        .then((started) => started.close())
        .then(
          () => {
            logger.info('stopped cleanly');
            done();
            process.exit(0);
          },
          (error: Error) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    // `on`, not `once`: the second signal must reach onSignal too, or Node's default handler would
    // end the process with the signal's own status instead of exiting 1 as promised above.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * The entry point of an app run on its own: configuration checked (a missing secret exits 2 with the
 * reason), the app started, and kept up until SIGTERM.
 */
export function runStandalone(
  name: string,
  features: (Type | DynamicModule)[],
  configure: (app: INestApplication) => INestApplication = (app) => app,
): void {
  let config: KyodoConfig;
  try {
    config = loadConfig();
    requireProductionSecrets(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  void runUntilSignal(startApp(name, features, { config, logger }).then(configure), logger, undefined, name);
}
