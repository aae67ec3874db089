import {
  ForbiddenException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Logger } from '@kyodo/observability';
import type { ApiKey, ApiKeyRepository, ApiKeyRole } from '@kyodo/persistence';

/** The roles whose API keys may use a controller or handler. Every /v1/ route declares one. */
export const RequireRole = Reflector.createDecorator<readonly ApiKeyRole[]>();

/** A 401 with the challenge for the WWW-Authenticate header (RFC 6750). */
export class BearerChallengeException extends UnauthorizedException {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(message);
  }
}

const REALM = 'Bearer realm="kyodo"';

interface GuardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  apiKey?: ApiKey;
}

/**
 * Global guard: everything under /v1/ needs `Authorization: Bearer <api key>` of an active key whose
 * role the route allows. Other routes (health, metrics, the OpenAPI document) are left open. A /v1/
 * route that declares no role is closed to every key. Only the mailbox's routes (/v1/mailbox,
 * /v1/inbox) declare role `party`, and they declare no other: a party's key opens them and nothing
 * else, and no other key opens them.
 */
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly reflector: Reflector,
    private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const roles = this.reflector.getAllAndOverride(RequireRole, [context.getHandler(), context.getClass()]);
    if (roles === undefined && !isVersioned(request.path)) return true;

    const secret = bearerToken(request.headers.authorization);
    if (secret === undefined) {
      throw new BearerChallengeException(
        'an API key is required: send Authorization: Bearer <api key>',
        REALM,
      );
    }
    const key = await this.keys.findActiveBySecret(secret);
    if (!key) {
      this.logger.info(
        { method: request.method, path: request.path },
        'API request with an unknown or revoked key',
      );
      throw new BearerChallengeException(
        'the API key is unknown or revoked',
        `${REALM}, error="invalid_token"`,
      );
    }
    if (!roles?.includes(key.role)) {
      this.logger.warn(
        { apiKeyId: key.id, role: key.role, method: request.method, path: request.path },
        'API key used outside its role',
      );
      throw new ForbiddenException(
        `an API key with role ${key.role} may not use ${request.method} ${request.path}`,
      );
    }
    request.apiKey = key;
    this.logger.info(
      { apiKeyId: key.id, role: key.role, method: request.method, path: request.path },
      'API request',
    );
    return true;
  }
}

function isVersioned(path: string): boolean {
  const lower = path.toLowerCase();
  return lower === '/v1' || lower.startsWith('/v1/');
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}
