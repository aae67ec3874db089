import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout (one object per line), the shape log shippers expect.
 * Never log record values: they carry personal data. Log coordinates (topic, partition, offset) and ids.
 */
export function createLogger(level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service: 'kyodo' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  });
}
