import { factory } from '@kyodo/contracts/testing';
import type { DeadLetter } from '@kyodo/routing';
import { maskedOriginal, originalBytes, parseDeadLetter } from './dead-letter';

function letter(value: string | null, valueEncoding: 'utf8' | 'base64' = 'utf8'): DeadLetter {
  return {
    reason: 'unknown-party',
    message: 'data.toRetailerId: R0009 is not a registered party',
    topic: 'kyodo.in.R0002',
    partition: 1,
    offset: '42',
    key: '0300000000000000000007',
    keyEncoding: 'utf8',
    value,
    valueEncoding,
    rejectedAt: '2026-11-27T05:00:00.000Z',
    auditId: 'a0000000-0000-5000-8000-000000000001',
    policyVersion: '2026-11-27.1',
  };
}

describe('dead letters as operators see them', () => {
  const event = factory.contractSwitch({
    seed: 3,
    supplyPointId: '0300000000000000000007',
    toRetailerId: 'R0009',
  });
  const text = JSON.stringify(event);

  it('masks every personal value but keeps the shape, party ids, phases and dates', () => {
    const masked = JSON.stringify(maskedOriginal(letter(text)));
    const customer = event.data.customer as Record<string, string>;
    for (const personal of [
      event.subject,
      customer.name,
      customer.address,
      customer.phone,
      customer.contractNumber,
    ])
      expect(masked).not.toContain(personal);
    expect(masked).not.toContain('0300000000000000000007');
    const shown = maskedOriginal(letter(text)) as {
      id: string;
      subject: string;
      data: Record<string, unknown>;
    };
    expect(shown.id).toBe(event.id);
    expect(shown.subject).toBe('•••');
    expect(shown.data.toRetailerId).toBe('R0009');
    expect(shown.data.phase).toBe(event.data.phase);
    expect(Object.keys(shown.data.customer as object).sort()).toEqual(Object.keys(customer).sort());
  });

  it('names only the size of a value that is not a JSON object', () => {
    expect(maskedOriginal(letter('not JSON at all'))).toBe('••• (15 bytes, not JSON)');
    expect(maskedOriginal(letter(Buffer.from([0xff, 0x00]).toString('base64'), 'base64'))).toBe(
      '••• (2 bytes, not JSON)',
    );
    expect(maskedOriginal(letter('[1,2]'))).toBe('••• (5 bytes, JSON but not an object)');
  });

  it('gives back the original bytes, text or base64, and reads only letters Kyodo wrote', () => {
    expect(originalBytes(letter(text))?.toString('utf8')).toBe(text);
    expect(originalBytes(letter('/w==', 'base64'))).toEqual(Buffer.from([0xff]));
    expect(parseDeadLetter(Buffer.from(JSON.stringify(letter(text))))).toEqual(letter(text));
    expect(parseDeadLetter(Buffer.from('{"reason":"x"}'))).toBeUndefined();
    expect(parseDeadLetter(Buffer.from('nope'))).toBeUndefined();
    expect(parseDeadLetter(null)).toBeUndefined();
  });
});
