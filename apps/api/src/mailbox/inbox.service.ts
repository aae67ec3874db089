import { randomUUID } from 'node:crypto';
import { supplyPointHmac } from '@kyodo/audit';
import { STRUCTURED_EVENT_HEADERS, SUPPLY_POINT_ID_PATTERN, type Topics } from '@kyodo/contracts';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import { ApiInputError, DependencyUnavailableError, PartyAccessError } from '../errors';
import type { PartyAccess, PartyAccessService } from './party-access';

export const INBOX_MAX_BATCH = 500;

export const SINGLE_CONTENT_TYPE = 'application/cloudevents+json';
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

export interface AcceptedEvent {
  readonly id: string;
  readonly status: 'accepted';
}

/** The attributes the inbox reads; the gateway validates the rest, as for any inbound event. */
interface InboundEnvelope {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time?: unknown;
}

/**
 * The HTTP inbox: CloudEvents posted by a party, written to its `<prefix>.in.<party>` keyed by `subject`
 * in one Kafka transaction (acks from all in-sync replicas), with the audit records of an agent's post
 * in the same transaction. Answered only once the transaction committed; the gateway then routes them
 * like any inbound event (an invalid one goes to the dead-letter topic with its reason).
 */
export class InboxService {
  constructor(
    private readonly kafka: KafkaPort,
    private readonly access: PartyAccessService,
    private readonly options: { readonly topics: Topics; readonly hmacKey: string },
  ) {}

  /** The events of a request body, or an ApiInputError naming what is wrong with it. */
  static eventsOf(contentType: string | undefined, body: unknown): unknown[] {
    const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (media === BATCH_CONTENT_TYPE) {
      if (!Array.isArray(body))
        throw new ApiInputError(`a ${BATCH_CONTENT_TYPE} body must be a JSON array of events`);
      if (body.length === 0) throw new ApiInputError('the batch is empty');
      if (body.length > INBOX_MAX_BATCH)
        throw new ApiInputError(`a batch holds at most ${INBOX_MAX_BATCH} events, not ${body.length}`);
      return body as unknown[];
    }
    if (media === SINGLE_CONTENT_TYPE) {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new ApiInputError(`a ${SINGLE_CONTENT_TYPE} body must be one JSON object (a CloudEvent)`);
      return [body];
    }
    throw new ApiInputError(
      `Content-Type must be ${SINGLE_CONTENT_TYPE} (one event) or ${BATCH_CONTENT_TYPE} (a batch), not ${media || 'absent'}`,
    );
  }

  async post(access: PartyAccess, events: readonly unknown[]): Promise<AcceptedEvent[]> {
    const envelopes = events.map((event, index) => envelopeOf(event, events.length > 1 ? index : undefined));
    const source = `urn:kyodo:party:${access.partyId}`;
    const foreign = envelopes.findIndex((e) => e.source !== source);
    if (foreign >= 0) {
      throw new PartyAccessError(
        `${where(events.length > 1 ? foreign : undefined)}source must be ${source}: a party posts only its own events`,
      );
    }
    const topic = this.options.topics.inbox(access.partyId);
    const records: ProducedRecord[] = events.map((event, i) => ({
      topic,
      key: envelopes[i].subject,
      value: JSON.stringify(event),
      headers: STRUCTURED_EVENT_HEADERS,
    }));
    records.push(
      ...this.access.auditRecords(
        access,
        envelopes.map((e) => ({
          action: 'inbox-post' as const,
          topic,
          event: {
            source: e.source,
            id: e.id,
            type: e.type,
            time: typeof e.time === 'string' ? e.time : null,
            supplyPointHmac: SUPPLY_POINT_ID_PATTERN.test(e.subject)
              ? supplyPointHmac(this.options.hmacKey, e.subject)
              : null,
          },
        })),
      ),
    );
    try {
      await this.kafka.sendInTransaction(
        `${this.options.topics.prefix}.mailbox.inbox.${randomUUID()}`,
        records,
      );
    } catch (error) {
      throw new DependencyUnavailableError(
        'the events were not written; send them again (an event that did get through is refused as a duplicate)',
        { cause: error },
      );
    }
    return envelopes.map((e) => ({ id: e.id, status: 'accepted' }));
  }
}

function where(index: number | undefined): string {
  return index === undefined ? '' : `event ${index}: `;
}

function envelopeOf(event: unknown, index: number | undefined): InboundEnvelope {
  const at = where(index);
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new ApiInputError(`${at}a CloudEvent is a JSON object`);
  const e = event as Record<string, unknown>;
  if (e.specversion !== '1.0') throw new ApiInputError(`${at}specversion must be "1.0"`);
  for (const name of ['id', 'source', 'type', 'subject'] as const) {
    const value = e[name];
    if (typeof value !== 'string' || value.trim() === '')
      throw new ApiInputError(
        `${at}${name} must be a non-empty string${name === 'subject' ? ' (the supply point id, the record key)' : ''}`,
      );
  }
  return e as unknown as InboundEnvelope;
}
