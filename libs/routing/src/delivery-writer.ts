import { GATEWAY_SOURCE, type InboundEvent, type JsonObject, type RecordOrigin } from '@kyodo/contracts';
import type { Delivery } from '@kyodo/policy';

/**
 * Writes the outbound event and the audit record of each delivery of one input, as the JSON text
 * JSON.stringify gives for
 *
 *   { specversion, id, source, type, subject, time, datacontenttype, kyodopurpose, kyodopolicy,
 *     kyodoaudit, kyodoorigin, kyodooriginid, data }
 *
 * and for the AuditRecord (fields in AuditRecord order, `basis` last when present), byte for byte
 * (the property tests compare the two), but cheaper: what every delivery of an input shares is
 * serialised once per input, lists the compiled policy shares (relations, purposes, field paths) once
 * per process, and a value several recipients share (the intervals of a meter reading) once per input.
 *
 * One instance per router; `begin` starts an input, whose deliveries follow. Synchronous use only.
 */
export class DeliveryWriter {
  /** Per input: the object or list values of `data`, serialised, by identity. */
  private readonly values = new Map<unknown, string>();
  /** Per process: JSON of frozen (compiled, shared) string lists, and of key names. */
  private readonly frozenLists = new WeakMap<readonly string[], string>();
  private readonly keys = new Map<string, string>();
  private readonly labels = new WeakMap<readonly string[], string>();
  private readonly parties = new Map<string, string>();

  /** `,"source":…,"datacontenttype":"application/json","kyodopurpose":` */
  private outboundHead = '';
  /** `","kyodoorigin":…,"kyodooriginid":…,"data":` */
  private outboundTail = '';
  private policyJson = '';
  /** `,"time":…,"recipientId":` */
  private auditHead = '';
  private policyVersion = '';
  /** The supply point HMAC of the input begun: the key of its audit records. */
  hmac = '';

  /** Starts an input: `now` is the decision time, `hmac` the supply point's HMAC. */
  begin(origin: RecordOrigin, event: InboundEvent, hmac: string, now: string, policyVersion: string): void {
    this.values.clear();
    this.hmac = hmac;
    if (policyVersion !== this.policyVersion) {
      this.policyVersion = policyVersion;
      this.policyJson = JSON.stringify(policyVersion);
    }
    const source = JSON.stringify(event.source);
    const id = JSON.stringify(event.id);
    const type = JSON.stringify(event.type);
    const time = JSON.stringify(event.time);
    this.outboundHead =
      `,"source":${JSON.stringify(GATEWAY_SOURCE)},"type":${type},"subject":${JSON.stringify(event.subject)}` +
      `,"time":${time},"datacontenttype":"application/json","kyodopurpose":`;
    this.outboundTail = `,"kyodoorigin":${source},"kyodooriginid":${id},"data":`;
    this.auditHead =
      `,"time":${JSON.stringify(now)},"eventTime":${time},"inboundTopic":${JSON.stringify(origin.topic)}` +
      `,"inboundPartition":${JSON.stringify(origin.partition)},"inboundOffset":${JSON.stringify(origin.offset)}` +
      `,"inboundSource":${source},"inboundId":${id},"type":${type},"supplyPointHmac":${JSON.stringify(hmac)}` +
      `,"recipientId":`;
  }

  /** The outbound event of one delivery of the input begun. */
  outbound(delivery: Delivery, outboundId: string, auditId: string): string {
    return (
      `{"specversion":"1.0","id":${JSON.stringify(outboundId)}${this.outboundHead}${this.label(delivery.purposes)}` +
      `,"kyodopolicy":${this.policyJson},"kyodoaudit":${JSON.stringify(auditId)}${this.outboundTail}` +
      `${this.data(delivery.data)}}`
    );
  }

  /** The audit record (outcome `delivered`) of one delivery of the input begun. */
  audit(delivery: Delivery, auditId: string, outboundId: string): string {
    const recipient = delivery.recipient;
    let json =
      `{"id":${JSON.stringify(auditId)}${this.auditHead}${this.party(recipient.id, recipient.role)}` +
      `,"relations":${this.list(delivery.relations)},"purposes":${this.list(delivery.purposes)}` +
      `,"fieldsDelivered":${this.list(delivery.fieldsDelivered)},"fieldsWithheld":${this.list(delivery.fieldsWithheld)}` +
      `,"policyVersion":${this.policyJson},"outcome":"delivered","reason":null,"outboundId":${JSON.stringify(outboundId)}`;
    if (delivery.basis) json += `,"basis":${JSON.stringify(delivery.basis)}`;
    return `${json}}`;
  }

  /** `"R0001","recipientRole":"retailer"`, once per party. */
  private party(id: string, role: string): string {
    const key = `${id}\n${role}`;
    let text = this.parties.get(key);
    if (text === undefined) {
      text = `${JSON.stringify(id)},"recipientRole":${JSON.stringify(role)}`;
      if (this.parties.size >= 10_000) this.parties.clear();
      this.parties.set(key, text);
    }
    return text;
  }

  /** The purposes joined by spaces, as JSON: once per compiled (frozen) list. */
  private label(purposes: readonly string[]): string {
    if (!Object.isFrozen(purposes)) return JSON.stringify(purposes.join(' '));
    let text = this.labels.get(purposes);
    if (text === undefined) this.labels.set(purposes, (text = JSON.stringify(purposes.join(' '))));
    return text;
  }

  private list(items: readonly string[]): string {
    if (!Object.isFrozen(items)) return JSON.stringify(items);
    let text = this.frozenLists.get(items);
    if (text === undefined) this.frozenLists.set(items, (text = JSON.stringify(items)));
    return text;
  }

  /** JSON.stringify(data), its object and list values taken from the input's cache. */
  private data(data: JsonObject): string {
    let json = '{';
    for (const key of Object.keys(data)) {
      const value = data[key];
      let text: string | undefined;
      if (typeof value === 'object' && value !== null) {
        text = this.values.get(value);
        if (text === undefined) this.values.set(value, (text = JSON.stringify(value)));
      } else text = JSON.stringify(value);
      if (text === undefined) continue;
      json += `${json.length > 1 ? ',' : ''}${this.key(key)}:${text}`;
    }
    return `${json}}`;
  }

  private key(key: string): string {
    let text = this.keys.get(key);
    if (text === undefined) {
      text = JSON.stringify(key);
      if (this.keys.size >= 10_000) this.keys.clear();
      this.keys.set(key, text);
    }
    return text;
  }
}
