import type { DataSource, QueryRunner } from 'typeorm';

/** The rows of a `query()` result: TypeORM returns `[rows, affected]` for UPDATE and DELETE. */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Runs a query on a QueryRunner or EntityManager and types its rows. */
export async function select<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T[]> {
  return rowsOf<T>(await q.query(sql, params));
}

/** Runs `work` in one transaction on a dedicated connection; rolls back if it throws. */
export async function inTransaction<T>(ds: DataSource, work: (q: QueryRunner) => Promise<T>): Promise<T> {
  const q = ds.createQueryRunner();
  await q.connect();
  try {
    await q.startTransaction();
    try {
      const result = await work(q);
      await q.commitTransaction();
      return result;
    } catch (error) {
      await q.rollbackTransaction();
      throw error;
    }
  } finally {
    await q.release();
  }
}
