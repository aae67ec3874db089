import { hash } from 'node:crypto';
import type { RecordOrigin } from '@kyodo/contracts';

/** Namespace of audit record ids (a random v4 UUID, fixed forever). */
export const AUDIT_RECORD_NAMESPACE = '3f0b8f4e-6c1d-4e55-9a57-2b7e0c9d4a61';
/** Namespace of outbound CloudEvent ids (a random v4 UUID, fixed forever). */
export const OUTBOUND_EVENT_NAMESPACE = '8d2c5a7b-91e4-4f3a-b6d0-5e8a1c2f7b93';

/**
 * Id of the audit record for one inbound record and one recipient (`null` for a rejection).
 * Kafka topic names cannot hold `/`, partitions and offsets are integers and party ids never equal
 * `-`, so the name below is unambiguous.
 */
export function auditRecordId(origin: RecordOrigin, recipientId: string | null): string {
  return uuidV5(
    AUDIT_RECORD_NAMESPACE,
    `${origin.topic}/${origin.partition}/${origin.offset}/${recipientId ?? '-'}`,
  );
}

/**
 * Id of the outbound event delivering one inbound event to one recipient. Inbound source and id are
 * free text chosen by the sender, so they are joined as a JSON array rather than with a separator.
 */
export function outboundEventId(inboundSource: string, inboundId: string, recipientId: string): string {
  return uuidV5(OUTBOUND_EVENT_NAMESPACE, JSON.stringify([inboundSource, inboundId, recipientId]));
}

/** Namespace and name, written into one reused buffer: a one-shot hash per id, no hash object. */
let scratch = Buffer.alloc(512);
/** Views of `scratch` by length, so hashing a prefix of it allocates nothing. */
let prefixes: Buffer[] = [];

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  // A UTF-16 unit takes at most 3 bytes in UTF-8; only a long name needs measuring.
  if (16 + name.length * 3 > scratch.length) {
    const needed = 16 + Buffer.byteLength(name, 'utf8');
    if (needed > scratch.length) {
      scratch = Buffer.alloc(Math.max(needed, scratch.length * 2));
      prefixes = [];
    }
  }
  scratch.set(namespaceBytes(namespace), 0);
  const length = 16 + scratch.write(name, 16, 'utf8');
  const hex = hash('sha1', (prefixes[length] ??= scratch.subarray(0, length)), 'hex');
  // The version (5) replaces the 13th hex digit, the variant (binary 10xx) the top bits of the 17th.
  return (
    hex.slice(0, 8) +
    '-' +
    hex.slice(8, 12) +
    '-5' +
    hex.slice(13, 16) +
    '-' +
    VARIANT_DIGITS[parseInt(hex[16], 16) & 3] +
    hex.slice(17, 20) +
    '-' +
    hex.slice(20, 32)
  );
}

const VARIANT_DIGITS = '89ab';

// Hot path: a handful of namespaces, each parsed once.
const namespaces = new Map<string, Buffer>();

function namespaceBytes(namespace: string): Buffer {
  let ns = namespaces.get(namespace);
  if (ns === undefined) {
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (ns.length !== 16) throw new RangeError(`namespace ${JSON.stringify(namespace)} is not a UUID`);
    if (namespaces.size < 64) namespaces.set(namespace, ns);
  }
  return ns;
}
