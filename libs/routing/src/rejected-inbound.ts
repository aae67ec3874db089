import {
  EVENT_KINDS,
  EVENT_TYPES,
  NOTICE_TYPES,
  PARTY_SOURCE_PREFIX,
  type InboundPartial,
} from '@kyodo/contracts';
import { sealedText } from '@kyodo/audit';

/** Every type Kyodo itself defines: the routed events and its own notices. */
const KNOWN_TYPES: ReadonlySet<string> = new Set([
  ...EVENT_KINDS.map((kind) => EVENT_TYPES[kind]),
  ...Object.values(NOTICE_TYPES),
]);

/** What the audit records of a rejected record's envelope. */
export interface AuditedInbound {
  readonly inboundSource: string | null;
  readonly inboundId: string | null;
  readonly type: string | null;
}

/**
 * The source, id and type of a rejected record as the audit may hold them: strings the sender chose
 * are sealed (`hmac-sha256:<hex>` under the audit key) unless they are values Kyodo itself defines.
 * The source stays in clear only when it is the inbox's own party, the type only when it is an event
 * type Kyodo knows; the id is always the sender's choice, so always sealed.
 */
export function auditedInbound(
  partial: InboundPartial | undefined,
  sender: string | undefined,
  hmacKey: string,
): AuditedInbound {
  const source = partial?.source;
  const id = partial?.id;
  const type = partial?.type;
  return {
    inboundSource:
      source === undefined
        ? null
        : sender !== undefined && source === `${PARTY_SOURCE_PREFIX}${sender}`
          ? source
          : sealedText(hmacKey, source),
    inboundId: id === undefined ? null : sealedText(hmacKey, id),
    type: type === undefined ? null : KNOWN_TYPES.has(type) ? type : sealedText(hmacKey, type),
  };
}
