import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { uuidV5 } from './ids';

/** The plain construction: a streaming SHA-1 of namespace and name, bits set on the bytes. */
function referenceUuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Any UTF-16 text, unpaired surrogates included, across one- to several-block messages.
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 60 }),
);

describe('uuidV5 (one-shot hash over a reused buffer) agrees with the plain construction', () => {
  it('uuidV5 for random names and namespaces', () => {
    fc.assert(
      fc.property(fc.uuid(), anyText, (namespace, name) => {
        expect(uuidV5(namespace, name)).toBe(referenceUuidV5(namespace, name));
      }),
      { numRuns: 2000 },
    );
  });

  it('uuidV5 at every length around the block boundaries', () => {
    const namespace = '3f0b8f4e-6c1d-4e55-9a57-2b7e0c9d4a61';
    for (let length = 0; length < 200; length++) {
      const name = 'x'.repeat(length);
      expect(uuidV5(namespace, name)).toBe(referenceUuidV5(namespace, name));
    }
    for (const name of ['\ud800', 'a\udc00b', '\udbff\udfff', '\ud800\ud800\udc00', 'é日本🎉'])
      expect(uuidV5(namespace, name)).toBe(referenceUuidV5(namespace, name));
  });
});
