import type { AuditRecord, ChainVerification } from '@kyodo/audit';
import type { RegistrySnapshot } from '@kyodo/contracts';
import type { ConsumedRecord } from '@kyodo/kafka';
import type { RouteStats } from '@kyodo/routing';

export interface PartySummary {
  readonly partyId: string;
  readonly role: string;
  readonly name: string;
  readonly received: Record<string, number>;
  readonly outboxRecords: number;
  readonly purposes: Set<string>;
  readonly fieldsDelivered: Set<string>;
  readonly fieldsWithheld: Set<string>;
}

export interface DemoSummary {
  readonly parties: PartySummary[];
  readonly rejections: Record<string, number>;
  readonly dlqRecords: number;
  /** Audit records per outcome: `delivered`, `rejected`, `no-recipient` (a valid event that concerned nobody). */
  readonly auditOutcomes: Record<AuditRecord['outcome'], number>;
}

const SHORT_TYPE = (type: string | null): string =>
  (type ?? 'unknown').replace(/^jp\.kyodo\./, '').replace(/\.v\d+$/, '');

/** What each party received (from its outbox) and why (from the audit trail). */
export function summarise(
  registry: RegistrySnapshot,
  audit: readonly AuditRecord[],
  outboxes: readonly ConsumedRecord[],
  dlq: readonly ConsumedRecord[],
): DemoSummary {
  const parties = new Map<string, PartySummary>();
  for (const party of registry.parties.values()) {
    parties.set(party.id, {
      partyId: party.id,
      role: party.role,
      name: party.name,
      received: {},
      outboxRecords: 0,
      purposes: new Set(),
      fieldsDelivered: new Set(),
      fieldsWithheld: new Set(),
    });
  }
  const rejections: Record<string, number> = {};
  const auditOutcomes = { delivered: 0, rejected: 0, 'no-recipient': 0, acknowledged: 0, 'acted-for': 0 };
  for (const record of audit) {
    auditOutcomes[record.outcome] += 1;
    if (record.outcome === 'rejected') {
      rejections[record.reason ?? 'unknown'] = (rejections[record.reason ?? 'unknown'] ?? 0) + 1;
      continue;
    }
    const party = record.recipientId ? parties.get(record.recipientId) : undefined;
    if (!party) continue;
    const type = SHORT_TYPE(record.type);
    party.received[type] = (party.received[type] ?? 0) + 1;
    for (const p of record.purposes) party.purposes.add(p);
    for (const f of record.fieldsDelivered) party.fieldsDelivered.add(`${type}:${f}`);
    for (const f of record.fieldsWithheld) party.fieldsWithheld.add(`${type}:${f}`);
  }
  for (const record of outboxes) {
    const id = record.topic.slice(record.topic.lastIndexOf('.') + 1);
    const party = parties.get(id);
    if (party) (party as { outboxRecords: number }).outboxRecords += 1;
  }
  return { parties: [...parties.values()], rejections, dlqRecords: dlq.length, auditOutcomes };
}

function compact(fields: Set<string>): string {
  // Collapse per-interval paths and group by event type for a readable line.
  const byType = new Map<string, Set<string>>();
  for (const f of fields) {
    const [type, path] = f.split(':');
    const top = path.replace(/\[\]\..*$/, '[]');
    let set = byType.get(type);
    if (!set) byType.set(type, (set = new Set()));
    set.add(top);
  }
  return [...byType].map(([type, set]) => `${type}{${[...set].sort().join(', ')}}`).join(' ') || '-';
}

export function formatSummary(
  summary: DemoSummary,
  run: { sent: number; totals: RouteStats; rows: number; verification: ChainVerification },
): string {
  const lines: string[] = [];
  lines.push('', 'What each party received, and what was withheld from it', '');
  for (const p of summary.parties.sort(
    (a, b) => a.role.localeCompare(b.role) || a.partyId.localeCompare(b.partyId),
  )) {
    const received =
      Object.entries(p.received)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ') || 'nothing';
    lines.push(`${p.partyId.padEnd(6)} ${p.role.padEnd(11)} ${p.name}`);
    lines.push(`       received : ${received}  (outbox holds ${p.outboxRecords})`);
    if (p.purposes.size > 0) lines.push(`       purposes : ${[...p.purposes].join(', ')}`);
    if (p.fieldsDelivered.size > 0) lines.push(`       fields   : ${compact(p.fieldsDelivered)}`);
    if (p.fieldsWithheld.size > 0) lines.push(`       withheld : ${compact(p.fieldsWithheld)}`);
  }
  const { totals } = run;
  lines.push(
    '',
    `Dead letters (${summary.dlqRecords}): ${
      Object.entries(summary.rejections)
        .map(([r, n]) => `${n} ${r}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push(
    `Input ${run.sent} = accepted ${totals.accepted} + rejected ${totals.rejected}` +
      `${run.sent === totals.accepted + totals.rejected ? '  ✓' : '  ✗ MISMATCH'}`,
  );
  const outcomes = summary.auditOutcomes;
  lines.push(
    `Audit records ${outcomes.delivered + outcomes.rejected + outcomes['no-recipient']} = ` +
      `delivered ${outcomes.delivered} + rejected ${outcomes.rejected} + no-recipient ${outcomes['no-recipient']}` +
      ' (valid events that concerned nobody)',
  );
  lines.push(
    `Audit: ${run.rows} rows in PostgreSQL; hash chain ${run.verification.ok ? 'verified ✓' : `BROKEN at ${JSON.stringify(run.verification)}`}`,
  );
  return lines.join('\n');
}

/**
 * Whether the audit records account for every input the gateway counted: each delivery and each
 * rejection has its record, and each accepted input without a delivery its `no-recipient` record.
 * The gateway's totals do not count the inputs without a delivery, so they are derived: the accepted
 * inputs less those with at least one delivery record (told apart by their inbound coordinates).
 */
export function auditComplete(records: readonly AuditRecord[], totals: RouteStats): boolean {
  let delivered = 0;
  let rejected = 0;
  let noRecipient = 0;
  const deliveredInputs = new Set<string>();
  for (const record of records) {
    switch (record.outcome) {
      case 'delivered':
        delivered += 1;
        deliveredInputs.add(`${record.inboundTopic}/${record.inboundPartition}/${record.inboundOffset}`);
        break;
      case 'rejected':
        rejected += 1;
        break;
      case 'no-recipient':
      case 'acknowledged': // an accepted input delivered to nobody
        noRecipient += 1;
        break;
      case 'acted-for': // an HTTP mailbox action under a delegation, not an input
        break;
    }
  }
  return (
    delivered >= totals.deliveries &&
    rejected >= totals.rejected &&
    noRecipient >= totals.accepted - deliveredInputs.size
  );
}
