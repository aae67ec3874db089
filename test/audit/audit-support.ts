/**
 * Shared by the audit-trail tests: an expectation of who receives what, restated from CONTRACT.md
 * ("Who receives what") and written independently of libs/policy; helpers to send traffic, wait for
 * the audit writer and read the audit tables of PostgreSQL.
 */
import type { DataSource } from 'typeorm';
import { outboundEventId } from '@kyodo/audit';
import type { EventKind, InboundEvent, JsonObject, Party, PartyRole, RegistryData } from '@kyodo/contracts';
import { CONTRACT_TABLE, IDENTITY_FIELDS, toRecordValue } from '@kyodo/contracts/testing';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import { createDataSource } from '@kyodo/persistence';
import { waitFor } from '../support/harness';

const TYPES: Record<string, EventKind> = {
  'jp.kyodo.contract-switch.v1': 'contract-switch',
  'jp.kyodo.meter-reading.v1': 'meter-reading',
  'jp.kyodo.negawatt.v1': 'negawatt',
};

/** The date that enrollment and consent windows must cover, per kind. */
const DATE_FIELD: Record<EventKind, string> = {
  'contract-switch': 'effectiveDate',
  'meter-reading': 'readingDate',
  negawatt: 'date',
};

export function kindOf(event: InboundEvent): EventKind {
  const kind = TYPES[event.type];
  if (!kind) throw new Error(`not a contract event type: ${event.type}`);
  return kind;
}

/** One valid event as a party sent it. */
export interface Sent {
  readonly sender: string;
  readonly event: InboundEvent;
}

/** One delivery the audit trail must record, in the shape compared against `AuditRecord`s. */
export interface ExpectedDelivery {
  readonly inboundSource: string;
  readonly inboundId: string;
  readonly type: string;
  readonly eventTime: string;
  readonly supplyPointId: string;
  readonly recipientId: string;
  readonly recipientRole: PartyRole;
  readonly relations: string[];
  readonly purposes: string[];
  readonly fieldsDelivered: string[];
  readonly outboundId: string;
}

/**
 * The parties related to an event and their relations, by the contract's rules: area tdso by the
 * subject's first two digits, contract holder (area tdso instead on remote islands and last-resort
 * supply), the retailers and aggregator named in the data, enrollments and consents whose inclusive
 * dates cover the event's date, consents not revoked before the event's time nor before now. The
 * sender and suspended parties never receive it.
 */
export function relatedParties(
  sent: Sent,
  registry: RegistryData,
): Map<string, { party: Party; relations: Set<string> }> {
  const { event, sender } = sent;
  const kind = kindOf(event);
  const data = event.data;
  const parties = new Map(registry.parties.map((p) => [p.id, p]));
  const area = event.subject.slice(0, 2);
  const tdso = registry.parties.find((p) => p.role === 'tdso' && p.area === area);
  const occto = registry.parties.find((p) => p.role === 'occto');
  const date = data[DATE_FIELD[kind]];
  const found = new Map<string, { party: Party; relations: Set<string> }>();
  const add = (party: Party | undefined, role: PartyRole, relation: string) => {
    // A suspended party receives nothing (v1.1).
    if (!party || party.role !== role || party.id === sender || party.suspended === true) return;
    const entry = found.get(party.id) ?? { party, relations: new Set<string>() };
    entry.relations.add(relation);
    found.set(party.id, entry);
  };
  const named = (field: string) => (typeof data[field] === 'string' ? parties.get(data[field]) : undefined);
  const covers = (from: string, to: string) => typeof date === 'string' && from <= date && date <= to;
  const consented = (category: string) => {
    for (const c of registry.consents) {
      if (
        c.supplyPointId !== event.subject ||
        !c.categories.includes(category as never) ||
        !covers(c.from, c.to)
      )
        continue;
      // Revoked before the event's time, or before now, when the gateway processes it (v1.1).
      if (
        c.revokedAt !== null &&
        (Date.parse(c.revokedAt) <= Date.parse(event.time) || Date.parse(c.revokedAt) <= Date.now())
      )
        continue;
      add(parties.get(c.thirdPartyId), 'third-party', 'consented-third-party');
    }
  };
  switch (kind) {
    case 'contract-switch': {
      const supplyPoint = data.supplyPoint as JsonObject | undefined;
      add(occto, 'occto', 'occto');
      if (data.lastResortSupply === true || supplyPoint?.remoteIsland === true)
        add(tdso, 'tdso', 'contract-holder');
      else add(named('fromRetailerId'), 'retailer', 'contract-holder');
      add(tdso, 'tdso', 'area-tdso');
      add(named('toRetailerId'), 'retailer', 'gaining-retailer');
      break;
    }
    case 'meter-reading':
      add(named('retailerId'), 'retailer', 'contract-retailer');
      add(tdso, 'tdso', 'area-tdso');
      for (const e of registry.enrollments) {
        if (e.supplyPointId === event.subject && covers(e.from, e.to))
          add(parties.get(e.aggregatorId), 'aggregator', 'enrolled-aggregator');
      }
      consented('meter-reading');
      break;
    case 'negawatt':
      add(named('contractorId'), 'aggregator', 'contracted-aggregator');
      add(tdso, 'tdso', 'area-tdso');
      add(named('retailerId'), 'retailer', 'contract-retailer');
      consented('negawatt');
      break;
  }
  return found;
}

/** Every delivery the gateway must make (and audit) for the events sent. */
export function expectedDeliveries(sent: readonly Sent[], registry: RegistryData): ExpectedDelivery[] {
  const out: ExpectedDelivery[] = [];
  for (const s of sent) {
    const kind = kindOf(s.event);
    for (const [recipientId, { party, relations }] of relatedParties(s, registry)) {
      const rows = CONTRACT_TABLE.filter(([k, r]) => k === kind && relations.has(r));
      const allowed = new Set([...IDENTITY_FIELDS[kind], ...rows.flatMap(([, , , fields]) => fields)]);
      out.push({
        inboundSource: s.event.source,
        inboundId: s.event.id,
        type: s.event.type,
        eventTime: s.event.time,
        supplyPointId: s.event.subject,
        recipientId,
        recipientRole: party.role,
        relations: rows.map(([, r]) => r),
        purposes: [...new Set(rows.map(([, , p]) => p))],
        fieldsDelivered: [...allowed].filter((path) => present(s.event.data, path)).sort(),
        outboundId: outboundEventId(s.event.source, s.event.id, recipientId),
      });
    }
  }
  return out;
}

/** Whether the input holds a value (null included) at a catalogue path (`a.b`, `list[].field`). */
function present(data: JsonObject, path: string): boolean {
  const list = /^([^.[\]]+)\[\]\.(.+)$/.exec(path);
  if (list) {
    const items = data[list[1]];
    return Array.isArray(items) && items.some((item) => isObject(item) && present(item, list[2]));
  }
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, key)) return false;
    value = value[key];
  }
  return true;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The leaf paths an outbound `data` holds, written like the audit's field paths: `a.b`, `list[].field`;
 * the values under `opaque` prefixes (negawatt.*) count as one field each.
 */
export function leafPaths(data: unknown, opaque: readonly string[] = ['negawatt']): string[] {
  const paths = new Set<string>();
  const walk = (value: unknown, path: string) => {
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    if (path !== '' && opaque.includes(parent)) paths.add(path);
    else if (Array.isArray(value)) for (const item of value) walk(item, `${path}[]`);
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`);
    else paths.add(path);
  };
  walk(data, '');
  return [...paths].sort();
}

// --- Traffic --------------------------------------------------------------------------------

/** Sends events to their senders' inboxes (key = subject), plus any raw records, in one producer session. */
export async function send(
  kafka: KafkaPort,
  inbox: (party: string) => string,
  events: readonly Sent[],
  raw: readonly ProducedRecord[] = [],
): Promise<void> {
  const producer = await kafka.createProducer();
  try {
    if (events.length > 0) {
      await producer.send(
        events.map((s) => ({ topic: inbox(s.sender), key: s.event.subject, value: toRecordValue(s.event) })),
      );
    }
    for (const record of raw) await producer.send([record]);
  } finally {
    await producer.disconnect();
  }
}

// --- The audit tables -----------------------------------------------------------------------

export async function openDatabase(url: string): Promise<DataSource> {
  const ds = createDataSource(url, { poolSize: 4, applicationName: 'kyodo-audit-test' });
  await ds.initialize();
  return ds;
}

export async function auditRowCount(ds: DataSource): Promise<number> {
  const [row] = await ds.query<{ n: string }[]>('SELECT count(*)::text AS n FROM audit_record');
  return Number(row.n);
}

/**
 * Waits until the audit writer has stored at least `expected` rows and returns how many there are.
 * On timeout it returns the count as it is rather than throwing, so that the tests' assertions, not
 * a timeout, show what is missing.
 */
export async function settleAuditRows(ds: DataSource, expected: number, timeoutMs = 20_000): Promise<number> {
  try {
    return await waitFor(
      async () => {
        const n = await auditRowCount(ds);
        return n >= expected ? n : undefined;
      },
      { what: `${expected} audit rows in PostgreSQL`, timeoutMs, intervalMs: 100 },
    );
  } catch {
    return auditRowCount(ds);
  }
}

export async function deliveredRowCount(ds: DataSource): Promise<number> {
  const [row] = await ds.query<{ n: string }[]>(
    "SELECT count(*)::text AS n FROM audit_record WHERE outcome = 'delivered'",
  );
  return Number(row.n);
}

/** One row of audit_record as PostgreSQL stores it (the columns these tests look at). */
export interface StoredRow {
  id: string;
  time: string;
  chain_partition: number;
  chain_offset: string;
  prev_hash: string;
  hash: string;
  outcome: string;
  inbound_topic: string;
  inbound_partition: number;
  inbound_offset: string;
  fields_delivered: string[];
}

export async function storedRows(ds: DataSource): Promise<StoredRow[]> {
  return ds.query<StoredRow[]>(
    `SELECT id, time::text AS time, chain_partition, chain_offset::text AS chain_offset, prev_hash, hash, outcome,
            inbound_topic, inbound_partition, inbound_offset::text AS inbound_offset, fields_delivered
       FROM audit_record ORDER BY chain_partition, chain_offset`,
  );
}
