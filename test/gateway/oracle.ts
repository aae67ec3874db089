/**
 * What a party must receive, from the contract's table (CONTRACT_TABLE) and a deliberately simple
 * allow-list picker: an oracle independent of libs/policy.
 */
import type { EventKind, JsonObject } from '@kyodo/contracts';
import { CONTRACT_TABLE, IDENTITY_FIELDS } from '@kyodo/contracts/testing';

export interface Expected {
  readonly data: JsonObject;
  readonly purposes: string;
}

/** What a party holding `relations` for an event of `kind` must receive, per the table. */
export function expectedFor(kind: EventKind, relations: string[], data: JsonObject): Expected {
  const rows = CONTRACT_TABLE.filter(([k, r]) => k === kind && relations.includes(r));
  if (rows.length !== relations.length)
    throw new Error(`unknown relation in ${relations.join(',')} for ${kind}`);
  const paths = [...IDENTITY_FIELDS[kind], ...rows.flatMap(([, , , fields]) => fields)];
  const purposes = [...new Set(rows.map(([, , purpose]) => purpose))].join(' ');
  return { data: pick(data, paths), purposes };
}

function pick(data: JsonObject, paths: string[]): JsonObject {
  const out: JsonObject = {};
  for (const path of paths) {
    const arrayAt = path.indexOf('[].');
    if (arrayAt >= 0) {
      const listKey = path.slice(0, arrayAt);
      const field = path.slice(arrayAt + 3);
      const list = data[listKey];
      if (!Array.isArray(list)) continue;
      const target = (out[listKey] ??= list.map(() => ({}))) as JsonObject[];
      list.forEach((item: JsonObject, i) => {
        if (field in item) target[i][field] = item[field];
      });
      continue;
    }
    const parts = path.split('.');
    let from: unknown = data;
    let to = out;
    for (let i = 0; i < parts.length; i += 1) {
      if (typeof from !== 'object' || from === null || !(parts[i] in from)) break;
      const value = (from as JsonObject)[parts[i]];
      if (i === parts.length - 1) to[parts[i]] = value;
      else {
        to = (to[parts[i]] ??= {}) as JsonObject;
        from = value;
      }
    }
  }
  return out;
}
