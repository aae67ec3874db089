/**
 * Stable, machine-readable reasons an inbound record is rejected to the dead-letter topic.
 * Integrations match on these codes: add new ones, never rename.
 */
export const REJECTION_REASONS = {
  'too-large': 'the record value is larger than 1 MiB',
  unparseable: 'the record value is not JSON, or not a JSON object',
  'not-cloudevent':
    'the record is not a CloudEvents 1.0 event, in structured JSON mode or in binary mode (ce_* headers)',
  'unknown-type': 'the event type is not one the gateway knows',
  'source-mismatch': "the event source does not name the inbox's own party",
  'invalid-supply-point': 'the supply point id is not 22 digits or its area is not 01..10',
  'area-mismatch': 'supplyPoint.area disagrees with the area digits of the supply point id',
  'key-mismatch': 'the record key, subject and supplyPoint.supplyPointId disagree',
  'unknown-party': 'a party id in the data is not registered',
  'wrong-role': 'a party id in the data is registered with another role',
  'invalid-data': 'the data does not match the schema of its type (missing fields, wrong types)',
  'out-of-range': 'a value is out of range (negative kWh, more than 50 intervals, a bad date)',
  'sender-not-allowed':
    "the sender's role does not originate this event type for this supply point, or the sender is suspended",
  duplicate: 'an event with this source and id was already accepted within the last 7 days',
  internal: 'the gateway failed while processing this record; it was set aside, not lost',
} as const;
export type RejectionReason = keyof typeof REJECTION_REASONS;

/** A record the gateway will not deliver, with why. `message` names the offending input. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly message: string;
}
