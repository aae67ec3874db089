import fc from 'fast-check';
import { GATEWAY_SOURCE, type InboundEvent, type JsonObject, type Party } from '@kyodo/contracts';
import type { AuditRecord } from '@kyodo/audit';
import type { Delivery, Purpose, Relation } from '@kyodo/policy';
import { DeliveryWriter } from './delivery-writer';

/*
 * The writer's text is what JSON.stringify gives for the outbound event and the audit record built as
 * objects (the way the router wrote them before), byte for byte, for random inputs and deliveries:
 * shared and frozen lists, values shared between recipients, any strings (unpaired surrogates too).
 */

const anyString = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }));
const list = fc.array(anyString, { maxLength: 4 });
const maybeFrozen = (items: fc.Arbitrary<string[]>) =>
  fc.tuple(items, fc.boolean()).map(([xs, frozen]) => (frozen ? Object.freeze(xs) : xs));

const inputArb = fc.record({
  origin: fc.record({
    topic: anyString,
    partition: fc.nat(2 ** 31 - 1),
    offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  }),
  event: fc.record({
    id: anyString,
    source: anyString,
    type: anyString,
    subject: anyString,
    time: anyString,
    data: fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  }),
  hmac: fc.stringMatching(/^[0-9a-f]{64}$/),
  now: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  policyVersion: anyString,
});

type Input = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

const deliveryArb = fc.record({
  recipient: fc.record({ id: anyString, role: anyString }),
  relations: maybeFrozen(list),
  purposes: maybeFrozen(list),
  fieldsDelivered: maybeFrozen(list),
  fieldsWithheld: maybeFrozen(list),
  basis: fc.option(list, { nil: undefined }),
  /** Which input `data` keys the recipient gets: several recipients then share values. */
  keep: fc.array(fc.boolean(), { maxLength: 6 }),
  outboundId: fc.uuid(),
  auditId: fc.uuid(),
});

function referenceOutbound(
  event: InboundEvent,
  d: Delivery,
  policy: string,
  outboundId: string,
  auditId: string,
) {
  return JSON.stringify({
    specversion: '1.0',
    id: outboundId,
    source: GATEWAY_SOURCE,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    kyodopurpose: d.purposes.join(' '),
    kyodopolicy: policy,
    kyodoaudit: auditId,
    kyodoorigin: event.source,
    kyodooriginid: event.id,
    data: d.data,
  });
}

function referenceAudit(input: Input, d: Delivery, auditId: string, outboundId: string): string {
  const { origin, event } = input;
  const audit: AuditRecord = {
    id: auditId,
    time: input.now,
    eventTime: event.time,
    inboundTopic: origin.topic,
    inboundPartition: origin.partition,
    inboundOffset: origin.offset,
    inboundSource: event.source,
    inboundId: event.id,
    type: event.type,
    supplyPointHmac: input.hmac,
    recipientId: d.recipient.id,
    recipientRole: d.recipient.role,
    relations: d.relations,
    purposes: d.purposes,
    fieldsDelivered: d.fieldsDelivered,
    fieldsWithheld: d.fieldsWithheld,
    policyVersion: input.policyVersion,
    outcome: 'delivered',
    reason: null,
    outboundId,
    ...(d.basis ? { basis: d.basis } : {}),
  };
  return JSON.stringify(audit);
}

describe('DeliveryWriter', () => {
  it('writes exactly what JSON.stringify writes for the outbound event and the audit record', () => {
    const writer = new DeliveryWriter();
    fc.assert(
      fc.property(inputArb, fc.array(deliveryArb, { minLength: 1, maxLength: 4 }), (input, deliveries) => {
        const event = input.event as unknown as InboundEvent;
        writer.begin(input.origin, event, input.hmac, input.now, input.policyVersion);
        const keys = Object.keys(event.data);
        for (const spec of deliveries) {
          const data: JsonObject = {};
          keys.forEach((key, i) => {
            if (spec.keep[i] !== false) data[key] = event.data[key];
          });
          const delivery: Delivery = {
            recipient: spec.recipient as unknown as Party,
            relations: spec.relations as Relation[],
            purposes: spec.purposes as Purpose[],
            data,
            fieldsDelivered: spec.fieldsDelivered,
            fieldsWithheld: spec.fieldsWithheld,
            ...(spec.basis ? { basis: spec.basis } : {}),
          };
          expect(writer.outbound(delivery, spec.outboundId, spec.auditId)).toBe(
            referenceOutbound(event, delivery, input.policyVersion, spec.outboundId, spec.auditId),
          );
          expect(writer.audit(delivery, spec.auditId, spec.outboundId)).toBe(
            referenceAudit(input, delivery, spec.auditId, spec.outboundId),
          );
          expect(writer.hmac).toBe(input.hmac);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
