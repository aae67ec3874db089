import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** Turns a supply point id into the keyed HMAC that stands in for it in the audit trail. */
export type SupplyPointHasher = (supplyPointId: string) => string;

/** A hasher bound to one key; the key object is built once, not per call. */
export function supplyPointHasher(key: string | Buffer): SupplyPointHasher {
  const keyObject = toKeyObject(key);
  return (supplyPointId) => createHmac('sha256', keyObject).update(supplyPointId, 'utf8').digest('hex');
}

// The audit key rarely changes within a process, so keep the last few string keys' key objects.
const stringKeys = new Map<string, SupplyPointHasher>();
const MAX_CACHED_KEYS = 8;

/** HMAC-SHA256 (lower-case hex) of a supply point id under the audit key. */
export function supplyPointHmac(key: string | Buffer, supplyPointId: string): string {
  if (typeof key !== 'string') return supplyPointHasher(key)(supplyPointId);
  let hasher = stringKeys.get(key);
  if (!hasher) {
    if (stringKeys.size >= MAX_CACHED_KEYS) stringKeys.clear();
    hasher = supplyPointHasher(key);
    stringKeys.set(key, hasher);
  }
  return hasher(supplyPointId);
}

function toKeyObject(key: string | Buffer): KeyObject {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length === 0) throw new RangeError('the supply point HMAC key must not be empty');
  return createSecretKey(bytes);
}

/**
 * Marks a value the audit holds only as its keyed HMAC: a string a sender chose (the id, source or
 * type of a rejected record) may carry personal data, so it never enters the audit in clear.
 */
export const SEALED_PREFIX = 'hmac-sha256:';

/**
 * `hmac-sha256:<hex>`: the HMAC of a sender-chosen string under the audit key (the supply point key).
 * Searching the audit for a value compares against both the value and this, so a lookup still works.
 */
export function sealedText(key: string | Buffer, value: string): string {
  return `${SEALED_PREFIX}${supplyPointHmac(key, value)}`;
}
