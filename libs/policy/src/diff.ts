import type { EventKind, PartyRole } from '@kyodo/contracts';
import { EVENT_KINDS } from '@kyodo/contracts';
import type { CompiledPolicy, CompiledRule } from './compile';
import type { Purpose, Relation } from './model';
import { RELATION_SPECS } from './model';

/** What one role gains or loses under one relation for one event kind between two policies. */
export interface PolicyChange {
  readonly kind: EventKind;
  readonly relation: Relation;
  readonly role: PartyRole;
  /** Field paths it receives under NEW and not under OLD, sorted. */
  readonly gains: readonly string[];
  /** Field paths it received under OLD and does not under NEW, sorted. */
  readonly losses: readonly string[];
  /** Set when the relation's purpose changed (a relation only one side has is not a purpose change). */
  readonly purpose?: { readonly from: Purpose; readonly to: Purpose };
}

export interface PolicyDiff {
  readonly from: string;
  readonly to: string;
  /** In the order event kind, relation (the engine's order), role. Empty when nothing changed. */
  readonly changes: readonly PolicyChange[];
}

/**
 * Per event kind and relation, which fields each role that can hold the relation gains or loses from
 * OLD to NEW. A relation present on one side only counts as all its fields gained (or lost). The
 * version string alone is not a change.
 */
export function diffPolicies(before: CompiledPolicy, after: CompiledPolicy): PolicyDiff {
  const changes: PolicyChange[] = [];
  for (const kind of EVENT_KINDS) {
    const oldRules = byRelation(before.kinds[kind].rules);
    const newRules = byRelation(after.kinds[kind].rules);
    const relations = Object.keys(RELATION_SPECS) as Relation[];
    for (const relation of relations) {
      const was = oldRules.get(relation);
      const now = newRules.get(relation);
      if (was === undefined && now === undefined) continue;
      const oldFields = new Set(was?.fields ?? []);
      const newFields = new Set(now?.fields ?? []);
      const gains = [...newFields].filter((f) => !oldFields.has(f)).sort();
      const losses = [...oldFields].filter((f) => !newFields.has(f)).sort();
      const purpose =
        was !== undefined && now !== undefined && was.purpose !== now.purpose
          ? { from: was.purpose, to: now.purpose }
          : undefined;
      if (gains.length === 0 && losses.length === 0 && purpose === undefined) continue;
      const roles = [...new Set(RELATION_SPECS[relation].holders.map((h) => h.role))];
      for (const role of roles) {
        changes.push(
          purpose
            ? { kind, relation, role, gains, losses, purpose }
            : { kind, relation, role, gains, losses },
        );
      }
    }
  }
  return { from: before.version, to: after.version, changes };
}

function byRelation(rules: readonly CompiledRule[]): Map<Relation, CompiledRule> {
  return new Map(rules.map((r) => [r.relation, r]));
}

/** One line per gained or lost field (`+`/`-`) and per purpose change, each naming kind, relation and role. */
export function formatPolicyDiff(diff: PolicyDiff): string {
  if (diff.changes.length === 0) return `no changes in what any role receives (${diff.from} → ${diff.to})`;
  const lines = [`policy ${diff.from} → ${diff.to}:`];
  for (const c of diff.changes) {
    const where = `${c.kind} ${c.relation} (${c.role})`;
    if (c.purpose) lines.push(`~ ${where}: purpose ${c.purpose.from} → ${c.purpose.to}`);
    for (const f of c.gains) lines.push(`+ ${where}: ${f}`);
    for (const f of c.losses) lines.push(`- ${where}: ${f}`);
  }
  return lines.join('\n');
}
