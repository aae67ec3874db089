/** A query the caller must change before it can be answered (a bad time bound, an empty window). */
export class ApiInputError extends Error {
  override readonly name = 'ApiInputError';
  readonly retriable = false;
}

/** Something the answer depends on could not be read in time (Kafka); the same request may work later. */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';
  readonly retriable = true;
}

/**
 * The answer would take more work than one request or command may do (too many records to compare);
 * retrying does not help, a narrower query may.
 */
export class WorkLimitError extends Error {
  override readonly name = 'WorkLimitError';
  readonly retriable = false;
}

/**
 * The answer did not come within the time one request or command may take. Its message is written for
 * the caller (it names no host or address), so the HTTP layer shows it with the 503.
 */
export class TimeLimitError extends DependencyUnavailableError {
  override readonly name = 'TimeLimitError';
}

/** The caller's party may not do this (act for a party that gave it no delegation, post as another). */
export class PartyAccessError extends Error {
  override readonly name = 'PartyAccessError';
  readonly retriable = false;
}
