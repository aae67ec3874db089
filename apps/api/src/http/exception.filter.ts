import { STATUS_CODES } from 'node:http';
import {
  HttpException,
  HttpStatus,
  UnauthorizedException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { KafkaUnavailableError } from '@kyodo/kafka';
import type { Logger } from '@kyodo/observability';
import { PersistenceInputError } from '@kyodo/persistence';
import { BearerChallengeException } from '../auth/api-key.guard';
import {
  ApiInputError,
  DependencyUnavailableError,
  PartyAccessError,
  TimeLimitError,
  WorkLimitError,
} from '../errors';

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  /** Further fields an HttpException carried (health's component states, say). */
  readonly [extra: string]: unknown;
}

/**
 * Every error as `{ statusCode, error, message }`, never a stack trace. Input errors of the services
 * become 400, a party acting beyond its rights 403, a query over a work limit 422, an unreachable dependency or a time limit 503, anything
 * unexpected 500 (logged with its stack).
 */
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<{ method?: string; path?: string }>();
    const response: unknown = http.getResponse();
    const adapter = this.adapterHost.httpAdapter;
    const { body, challenge } = this.describe(exception, request);
    if (adapter.isHeadersSent(response)) {
      adapter.end(response);
      return;
    }
    if (challenge !== undefined) adapter.setHeader(response, 'WWW-Authenticate', challenge);
    adapter.reply(response, body, body.statusCode);
  }

  private describe(
    exception: unknown,
    request: { method?: string; path?: string },
  ): { body: ErrorBody; challenge?: string } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const extras: Record<string, unknown> = {};
      let message: unknown = exception.message;
      if (typeof payload === 'string') message = payload;
      else if (typeof payload === 'object' && payload !== null) {
        for (const [key, value] of Object.entries(payload)) {
          if (key === 'message') message = value;
          else if (key !== 'statusCode' && key !== 'error') extras[key] = value;
        }
      }
      if (status >= 500)
        this.logger.error({ err: exception, method: request.method, path: request.path }, 'request failed');
      const challenge =
        exception instanceof BearerChallengeException
          ? exception.challenge
          : exception instanceof UnauthorizedException
            ? 'Bearer realm="kyodo"'
            : undefined;
      return { body: { ...extras, ...errorBody(status, textOf(message)) }, challenge };
    }
    if (exception instanceof ApiInputError || exception instanceof PersistenceInputError) {
      return { body: errorBody(HttpStatus.BAD_REQUEST, exception.message) };
    }
    if (exception instanceof PartyAccessError) {
      return { body: errorBody(HttpStatus.FORBIDDEN, exception.message) };
    }
    if (exception instanceof WorkLimitError) {
      return { body: errorBody(HttpStatus.UNPROCESSABLE_ENTITY, exception.message) };
    }
    if (exception instanceof TimeLimitError) {
      this.logger.warn({ err: exception, method: request.method, path: request.path }, 'request timed out');
      return { body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, exception.message) };
    }
    if (exception instanceof DependencyUnavailableError || exception instanceof KafkaUnavailableError) {
      this.logger.warn(
        { err: exception, method: request.method, path: request.path },
        'dependency unavailable',
      );
      return {
        body: errorBody(
          HttpStatus.SERVICE_UNAVAILABLE,
          'a service this request needs is unavailable; try again later',
        ),
      };
    }
    this.logger.error({ err: exception, method: request.method, path: request.path }, 'request failed');
    return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error') };
  }
}

function errorBody(status: number, message: string): ErrorBody {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

function textOf(message: unknown): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return STATUS_CODES[500] ?? 'error';
}
