import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import rateLimit from 'express-rate-limit';
import helmet from 'helmet';
import type { HttpServerConfig } from '@kyodo/config';

/** The production posture of every Kyodo HTTP server (defaults when the config has none). */
const DEFAULTS: HttpServerConfig = {
  host: '0.0.0.0',
  tls: undefined,
  rateLimitPerMinute: 600,
  bodyLimitBytes: 1024 * 1024,
};

/** The body limit of POST /v1/inbox (a batch of up to 500 events). */
export const INBOX_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export function httpServerConfig(config: { readonly http?: HttpServerConfig }): HttpServerConfig {
  return config.http ?? DEFAULTS;
}

/**
 * Security headers (helmet: no sniffing, no framing, HSTS, a strict content security policy), a rate
 * limit per client address under `/v1/` (429), and JSON bodies parsed here with a size limit (413),
 * so that every refusal is a short JSON body naming the problem and never a stack trace. Applied
 * before any route; Nest's own body parser is off (see startApp).
 */
export function hardenHttp(app: INestApplication, http: HttpServerConfig): void {
  app.use(helmet());
  if (http.rateLimitPerMinute > 0) {
    app.use(
      '/v1',
      rateLimit({
        windowMs: 60_000,
        limit: http.rateLimitPerMinute,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req: Request, res: Response) => {
          res.status(429).json(errorBody(429, 'Too Many Requests', 'rate limit exceeded; retry later'));
        },
      }),
    );
  }
  const types = ['application/json', 'application/*+json'];
  const json = express.json({ limit: http.bodyLimitBytes, type: types });
  // The HTTP inbox takes batches of up to 500 events: its own, larger limit.
  const inboxLimit = Math.max(http.bodyLimitBytes, INBOX_BODY_LIMIT_BYTES);
  const inboxJson = express.json({ limit: inboxLimit, type: types });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const inbox = req.path.toLowerCase() === '/v1/inbox';
    const limit = inbox ? inboxLimit : http.bodyLimitBytes;
    (inbox ? inboxJson : json)(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      const status = (error as { status?: number }).status;
      if (status === 413) {
        res.status(413).json(errorBody(413, 'Payload Too Large', `the request body exceeds ${limit} bytes`));
      } else {
        res.status(400).json(errorBody(400, 'Bad Request', 'the request body is not valid JSON'));
      }
    });
  });
}

function errorBody(statusCode: number, error: string, message: string) {
  return { statusCode, error, message };
}
