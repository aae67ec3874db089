import { createLogger } from './logger';

describe('createLogger', () => {
  const SPID = '0300000000000000000001';

  function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
    const chunks: string[] = [];
    const logger = createLogger('info', {}, { write: (line: string) => void chunks.push(line) });
    write(logger);
    return chunks.join('');
  }

  it('redacts personal field names at the top and nested up to four levels', () => {
    const text = logged((logger) =>
      logger.info(
        {
          supplyPointId: SPID,
          subject: SPID,
          event: { subject: SPID, data: { customer: { name: 'Yamada Hanako', phone: '03-1234-5678' } } },
          a: { b: { c: { address: 'Tokyo 1-2-3', contractNumber: 'C-0001', meterId: 'M-0009' } } },
          deliveries: [{ supplyPointId: SPID }],
          name: 'kept: a logger field, not a customer name',
          topic: 'kyodo.in.TD03',
        },
        'hello',
      ),
    );
    for (const secret of [SPID, 'Yamada', '03-1234-5678', 'Tokyo 1-2-3', 'C-0001', 'M-0009']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('kyodo.in.TD03');
    expect(text).toContain('kept: a logger field');
    expect((JSON.parse(text) as Record<string, unknown>).supplyPointId).toBe('[redacted]');
  });

  it("keeps a PostgreSQL error's detail and bound parameters out of the log, its code and message in", () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "consent_pkey"'), {
      code: '23505',
      detail: `Key (supply_point_id)=(${SPID}) already exists.`,
      parameters: [SPID],
      driverError: { detail: `Failing row contains (${SPID}).`, parameters: [SPID] },
    });
    const text = logged((logger) => logger.error({ err: error }, 'import failed'));
    expect(text).not.toContain(SPID);
    expect(text).toContain('23505');
    expect(text).toContain('consent_pkey');
  });

  it('leaves logs without personal fields as they are', () => {
    const line = JSON.parse(
      logged((logger) => logger.info({ topic: 't', partition: 1, offset: '7' }, 'batch')),
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ topic: 't', partition: 1, offset: '7', msg: 'batch', level: 'info' });
  });
});
