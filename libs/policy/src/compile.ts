import type { EventKind, ObjectNode } from '@kyodo/contracts';
import { EVENT_KINDS, FIELD_CATALOGUE } from '@kyodo/contracts';
import { CatalogueIndex } from './catalogue';
import type { PolicyDocument, Purpose, Relation } from './model';
import { PolicyError, PURPOSES, RELATION_SPECS, RELATIONS } from './model';
import { compileNotices, type CompiledNotices } from './notices';
import { Redactor, type View } from './redact';
import { isSenderRelation, SENDER_RELATIONS, SENDER_SPECS, type SenderRelation } from './senders';

export interface CompiledRule {
  readonly relation: Relation;
  readonly purpose: Purpose;
  /** Allowed leaf and opaque paths, identity included, sorted. */
  readonly fields: readonly string[];
  readonly mask: Uint8Array;
}

export interface CompiledKind {
  readonly kind: EventKind;
  readonly catalogue: CatalogueIndex;
  /** Leaf paths of the routing identity, sorted. */
  readonly identity: readonly string[];
  /** Who may send this kind, in the policy's order (see senders.ts). */
  readonly senders: readonly SenderRelation[];
  /** In the policy's row order; rule i is bit i of a view index. */
  readonly rules: readonly CompiledRule[];
  /** One view per combination of rules, indexed by bitmask. */
  readonly views: readonly View[];
  readonly redactor: Redactor;
}

export interface CompiledPolicy {
  readonly version: string;
  readonly purposes: readonly Purpose[];
  readonly kinds: Readonly<Record<EventKind, CompiledKind>>;
  /** Subject notices and their acknowledgements; undefined when the policy file has no `notices`. */
  readonly notices?: CompiledNotices;
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/**
 * Checks a policy document against the relations the engine can resolve, the purposes it knows and
 * the field catalogue, and compiles it into per-relation masks and a view for every combination of
 * relations. Throws a PolicyError naming every bad entry.
 */
export function compilePolicy(
  doc: PolicyDocument,
  catalogue: Readonly<Record<EventKind, ObjectNode>> = FIELD_CATALOGUE,
): CompiledPolicy {
  const problems: string[] = [];
  if (typeof doc.version !== 'string' || doc.version.trim() === '') {
    problems.push('version: must be a non-empty string');
  }

  const purposes: Purpose[] = [];
  doc.purposes.forEach((purpose, i) => {
    if (!isOneOf(PURPOSES, purpose)) {
      problems.push(`purposes[${i}] "${purpose}": unknown purpose (known: ${PURPOSES.join(', ')})`);
    } else if (purposes.includes(purpose)) {
      problems.push(`purposes[${i}] "${purpose}": listed twice`);
    } else {
      purposes.push(purpose);
    }
  });

  for (const kind of Object.keys(doc.events)) {
    if (!isOneOf(EVENT_KINDS, kind)) {
      problems.push(`events.${kind}: unknown event kind (known: ${EVENT_KINDS.join(', ')})`);
    }
  }

  const kinds = {} as Record<EventKind, CompiledKind>;
  for (const kind of EVENT_KINDS) {
    const event = Object.prototype.hasOwnProperty.call(doc.events, kind) ? doc.events[kind] : undefined;
    if (event === undefined) {
      problems.push(`events.${kind}: missing (every event kind needs an entry, even with no relations)`);
      continue;
    }
    const index = new CatalogueIndex(catalogue[kind]);
    const select = (mask: Uint8Array, paths: readonly string[], entry: string): void => {
      paths.forEach((path, i) => {
        const slot = index.resolve(path);
        if (typeof slot === 'string') problems.push(`${entry}[${i}] "${path}": ${slot}`);
        else index.allow(mask, slot);
      });
    };

    const identityMask = index.newMask();
    select(identityMask, event.identity, `events.${kind}.identity`);

    const senders: SenderRelation[] = [];
    (event.senders ?? []).forEach((name, i) => {
      const entry = `events.${kind}.senders[${i}]`;
      if (!isSenderRelation(name)) {
        problems.push(`${entry}: unknown sender relation "${name}" (known: ${SENDER_RELATIONS.join(', ')})`);
      } else if (!SENDER_SPECS[name].kinds.includes(kind)) {
        problems.push(
          `${entry}: sender relation "${name}" cannot hold for ${kind} (only ${SENDER_SPECS[name].kinds.join(', ')})`,
        );
      } else if (senders.includes(name)) {
        problems.push(`${entry}: sender relation "${name}" is listed twice for ${kind}`);
      } else {
        senders.push(name);
      }
    });

    const rules: CompiledRule[] = [];
    event.relations.forEach((rule, i) => {
      const entry = `events.${kind}.relations[${i}]`;
      const relation = rule.relation;
      if (!isOneOf(RELATIONS, relation)) {
        problems.push(`${entry}: unknown relation "${relation}" (known: ${RELATIONS.join(', ')})`);
        return;
      }
      if (!RELATION_SPECS[relation].kinds.includes(kind)) {
        problems.push(
          `${entry}: relation "${relation}" cannot hold for ${kind} (only ${RELATION_SPECS[relation].kinds.join(', ')})`,
        );
        return;
      }
      if (rules.some((r) => r.relation === relation)) {
        problems.push(`${entry}: relation "${relation}" is listed twice for ${kind}`);
        return;
      }
      const purpose = rule.purpose;
      if (!isOneOf(PURPOSES, purpose)) {
        problems.push(`${entry} (${relation}): unknown purpose "${purpose}" (known: ${PURPOSES.join(', ')})`);
        return;
      }
      if (!purposes.includes(purpose)) {
        problems.push(`${entry} (${relation}): purpose "${purpose}" is not declared in purposes`);
      }
      const mask = identityMask.slice();
      select(mask, rule.fields, `${entry} (${relation}).fields`);
      rules.push({ relation, purpose, fields: Object.freeze(index.terminalPaths(mask)), mask });
    });

    const redactor = new Redactor(index);
    kinds[kind] = {
      kind,
      catalogue: index,
      identity: Object.freeze(index.terminalPaths(identityMask)),
      senders: Object.freeze(senders),
      rules: Object.freeze(rules),
      views: Object.freeze(buildViews(redactor, identityMask, rules)),
      redactor,
    };
  }

  const notices = compileNotices(doc.notices, problems);
  if (problems.length > 0) throw new PolicyError(problems, doc.source ?? 'policy');
  return Object.freeze({
    version: doc.version,
    purposes: Object.freeze(purposes),
    kinds: Object.freeze(kinds),
    ...(notices ? { notices: Object.freeze(notices) } : {}),
  });
}

function buildViews(redactor: Redactor, identityMask: Uint8Array, rules: readonly CompiledRule[]): View[] {
  const views: View[] = [];
  for (let bits = 0; bits < 1 << rules.length; bits++) {
    const mask = identityMask.slice();
    const relations: Relation[] = [];
    const purposes: Purpose[] = [];
    rules.forEach((rule, i) => {
      if ((bits & (1 << i)) === 0) return;
      for (let s = 0; s < mask.length; s++) mask[s] |= rule.mask[s];
      relations.push(rule.relation);
      if (!purposes.includes(rule.purpose)) purposes.push(rule.purpose);
    });
    views.push(redactor.view(mask, relations, purposes));
  }
  return views;
}
