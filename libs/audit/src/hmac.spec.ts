import { SEALED_PREFIX, sealedText, supplyPointHasher, supplyPointHmac } from './hmac';

describe('supplyPointHmac', () => {
  it('is HMAC-SHA256 in lower-case hex (known vector)', () => {
    expect(supplyPointHmac('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('gives the same value for a string key and its UTF-8 bytes', () => {
    const spid = '0300000000000000000001';
    expect(supplyPointHmac(Buffer.from('kyodo-key', 'utf8'), spid)).toBe(supplyPointHmac('kyodo-key', spid));
    expect(supplyPointHasher('kyodo-key')(spid)).toBe(supplyPointHmac('kyodo-key', spid));
  });

  it('differs by key and by supply point, and is stable', () => {
    const a = supplyPointHmac('k1', '0300000000000000000001');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(supplyPointHmac('k1', '0300000000000000000001')).toBe(a);
    expect(supplyPointHmac('k2', '0300000000000000000001')).not.toBe(a);
    expect(supplyPointHmac('k1', '0300000000000000000002')).not.toBe(a);
  });

  it('keeps working when many keys are used', () => {
    const values = Array.from({ length: 20 }, (_, i) => supplyPointHmac(`key-${i}`, 'x'));
    expect(new Set(values).size).toBe(20);
    expect(supplyPointHmac('key-3', 'x')).toBe(values[3]);
  });

  it('refuses an empty key', () => {
    expect(() => supplyPointHmac('', 'x')).toThrow(RangeError);
  });
});

describe('sealedText', () => {
  it('is the prefixed HMAC under the same key as supply point ids, so a lookup can compute it', () => {
    expect(sealedText('key', 'evt-1')).toBe(`${SEALED_PREFIX}${supplyPointHmac('key', 'evt-1')}`);
    expect(sealedText('key', 'evt-1')).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(sealedText('other-key', 'evt-1')).not.toBe(sealedText('key', 'evt-1'));
  });
});
