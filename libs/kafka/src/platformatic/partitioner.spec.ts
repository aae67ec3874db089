import './node20';
import fc from 'fast-check';
import { compatibilityPartitioner, murmur2 as libraryMurmur2 } from '@platformatic/kafka';
import { keyPartitioner, murmur2 } from './partitioner';

describe('keyPartitioner', () => {
  it('hashes as the library (and the Java client) does, for every key length (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const key = Buffer.from(bytes);
        expect(murmur2(key)).toBe(libraryMurmur2(key));
        expect(keyPartitioner(undefined, key)).toBe(compatibilityPartitioner(undefined as never, key));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches known values of the Java client', () => {
    // org.apache.kafka.common.utils.Utils.murmur2 on these UTF-8 strings.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from(''))).toBe(275646681);
  });

  it('puts a keyless record on partition 0 (the pipeline always sends keys)', () => {
    expect(keyPartitioner(undefined, undefined)).toBe(0);
  });
});
