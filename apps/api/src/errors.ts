/** A query the caller must change before it can be answered (a bad time bound, an empty window). */
export class ApiInputError extends Error {
  override readonly name = 'ApiInputError';
  readonly retriable = false;
}

/** Something the answer depends on could not be read in time (Kafka); the same request may work later. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  readonly retriable = true;
}
