/** Topic names of the wire contract, in one place. `prefix` is KYODO_TOPIC_PREFIX (default `kyodo`). */
export interface Topics {
  readonly prefix: string;
  inbox(partyId: string): string;
  outbox(partyId: string): string;
  readonly dlq: string;
  readonly audit: string;
  /**
   * The gateway's own state: the (source, id) pairs it accepted, written in each batch's transaction,
   * from which an instance taking over an inbox partition restores its memory of them.
   */
  readonly accepted: string;
  /** Pattern matching every inbox, for the gateway's subscription. */
  readonly inboxPattern: RegExp;
  /** The sender party id of an inbox topic, or undefined if `topic` is not an inbox. */
  senderOf(topic: string): string | undefined;
}

export function topicsFor(prefix = 'kyodo'): Topics {
  const inboxPrefix = `${prefix}.in.`;
  const escaped = inboxPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    prefix,
    inbox: (partyId) => `${inboxPrefix}${partyId}`,
    outbox: (partyId) => `${prefix}.out.${partyId}`,
    dlq: `${prefix}.dlq`,
    audit: `${prefix}.audit`,
    accepted: `${prefix}.gateway.accepted`,
    inboxPattern: new RegExp(`^${escaped}[A-Z][A-Z0-9]{1,15}$`),
    senderOf: (topic) => (topic.startsWith(inboxPrefix) ? topic.slice(inboxPrefix.length) : undefined),
  };
}
