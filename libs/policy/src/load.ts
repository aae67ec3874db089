import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { type PolicyDocument, type PolicyEventDocument, PolicyError, type PolicyRuleDocument } from './model';

const POLICY_FILE = 'default.policy.yaml';

/**
 * The default policy file. From the sources it sits beside `src/`; from a `tsc` build under `dist/`
 * (which does not copy YAML) it is found in the source tree the build came from.
 */
export function defaultPolicyPath(): string {
  const beside = resolve(__dirname, '..', 'policy', POLICY_FILE);
  if (existsSync(beside)) return beside;
  const fromBuild = resolve(__dirname, '..', '..', '..', '..', 'libs', 'policy', 'policy', POLICY_FILE);
  return existsSync(fromBuild) ? fromBuild : beside;
}

/**
 * Reads a policy file and checks its shape; compilePolicy then checks its names against the engine
 * and the catalogue. Both throw a PolicyError naming the file and every bad entry.
 */
export function loadPolicy(path: string = defaultPolicyPath()): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new PolicyError([`cannot read the policy file: ${(cause as Error).message}`], path, { cause });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new PolicyError([`not valid YAML: ${(cause as Error).message}`], path, { cause });
  }
  return parsePolicyDocument(raw, path);
}

/** Checks the shape of a parsed policy file; names are checked by compilePolicy. */
export function parsePolicyDocument(raw: unknown, origin = 'policy'): PolicyDocument {
  const problems: string[] = [];
  const root = mapping(raw, '(document)', ['version', 'purposes', 'events', 'notices'], problems);
  if (root === undefined) throw new PolicyError(problems, origin);

  const version = root.version;
  if (typeof version !== 'string' || version.trim() === '') {
    problems.push(`version: ${expected(version, 'a non-empty string, e.g. "2026-11-27.1"')}`);
  }
  const purposes = strings(root.purposes, 'purposes', problems);
  const events: Record<string, PolicyEventDocument> = {};
  const eventsMap = mapping(root.events, 'events', undefined, problems);
  for (const [kind, value] of Object.entries(eventsMap ?? {})) {
    const entry = `events.${kind}`;
    const event = mapping(value, entry, ['identity', 'senders', 'relations'], problems);
    if (event === undefined) continue;
    const identity = strings(event.identity, `${entry}.identity`, problems);
    const senders =
      event.senders === undefined
        ? (problems.push(
            `${entry}.senders: missing (a list of sender relations that may send ${kind}; [] lets nobody send it)`,
          ),
          [])
        : strings(event.senders, `${entry}.senders`, problems);
    const relations: PolicyRuleDocument[] = [];
    if (!Array.isArray(event.relations)) {
      problems.push(
        `${entry}.relations: ${expected(event.relations, 'a list of { relation, purpose, fields }')}`,
      );
    } else {
      event.relations.forEach((item, i) => {
        const ruleEntry = `${entry}.relations[${i}]`;
        const rule = mapping(item, ruleEntry, ['relation', 'purpose', 'fields'], problems);
        if (rule === undefined) return;
        const relation = text(rule.relation, `${ruleEntry}.relation`, problems);
        const purpose = text(rule.purpose, `${ruleEntry}.purpose`, problems);
        const fields = strings(rule.fields, `${ruleEntry}.fields`, problems);
        relations.push({ relation, purpose, fields });
      });
    }
    events[kind] = { identity, senders, relations };
  }
  if (problems.length > 0) throw new PolicyError(problems, origin);
  return { version: version as string, purposes, events, notices: root.notices, source: origin };
}

function mapping(
  value: unknown,
  entry: string,
  keys: readonly string[] | undefined,
  problems: string[],
): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${entry}: ${expected(value, keys ? `a mapping of ${keys.join(', ')}` : 'a mapping')}`);
    return undefined;
  }
  const record = value as Record<string, unknown>;
  if (keys) {
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) problems.push(`${entry}: unknown key "${key}" (expected ${keys.join(', ')})`);
    }
  }
  return record;
}

function text(value: unknown, entry: string, problems: string[]): string {
  if (typeof value === 'string' && value !== '') return value;
  problems.push(`${entry}: ${expected(value, 'a non-empty string')}`);
  return '';
}

function strings(value: unknown, entry: string, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push(`${entry}: ${expected(value, 'a list of strings')}`);
    return [];
  }
  return value.map((item, i) => text(item, `${entry}[${i}]`, problems));
}

function expected(value: unknown, what: string): string {
  return value === undefined ? `missing (${what})` : `must be ${what}`;
}
