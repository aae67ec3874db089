/** Input the database refuses: not retriable, the input must change. */
export class PersistenceInputError extends Error {
  override readonly name: string = 'PersistenceInputError';
  readonly retriable = false;
}

/** A registry import that was refused; nothing of it was stored. */
export class RegistryImportError extends PersistenceInputError {
  override readonly name = 'RegistryImportError';
}

/** A query the caller asked for cannot be run as given (a bad cursor or time bound). */
export class AuditQueryError extends PersistenceInputError {
  override readonly name = 'AuditQueryError';
}

/** PostgreSQL's SQLSTATE and detail, when `error` came from the server. */
export function pgError(error: unknown): { code: string; detail?: string; constraint?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; detail?: unknown; constraint?: unknown; driverError?: unknown };
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return {
      code: e.code,
      detail: typeof e.detail === 'string' ? e.detail : undefined,
      constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
    };
  }
  return e.driverError ? pgError(e.driverError) : undefined;
}

/** A database failure reported without the server's own words, which may quote personal data. */
export class PersistenceError extends Error {
  override readonly name = 'PersistenceError';
}
