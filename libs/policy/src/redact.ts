import type { JsonObject, Party } from '@kyodo/contracts';
import {
  ARRAY,
  type CatalogueIndex,
  childPath,
  comparePaths,
  LEAF,
  OBJECT,
  OPAQUE,
  type Slot,
} from './catalogue';
import type { Delivery, Purpose, Relation } from './model';

/** Builds a recipient's `data` from the input, reading only what the view allows. */
type Builder = (input: JsonObject) => JsonObject;

/** What one combination of relations may see: the union of their masks, compiled once. */
export interface View {
  readonly mask: Uint8Array;
  readonly relations: readonly Relation[];
  readonly purposes: readonly Purpose[];
  /** The allowed leaf and opaque slots, sorted by path. */
  readonly terminals: readonly Slot[];
  /** Their paths: `fieldsDelivered` whenever every one of them was delivered. */
  readonly terminalPaths: readonly string[];
  readonly build: Builder;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Stands for every key the catalogue does not name under one parent (`customer.(unknown)`). Unknown
 * key names are chosen by the sender and may themselves carry personal data, so they never reach
 * the audit trail; only the fact that such keys were present, and where, does.
 */
export const UNKNOWN_FIELD = '(unknown)';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countKeys(value: JsonObject): number {
  let n = 0;
  for (const _ in value) n++;
  return n;
}

/**
 * Redacts the events of one kind. Each view gets a builder generated from its mask, which creates the
 * output from the allow-list by reading the allowed keys by name (never copying and deleting), and
 * counts the keys it knows so that unknown ones are looked for only when there are some.
 *
 * Paths are not collected while building: each slot delivered or withheld is stamped with the
 * delivery's number, and the sorted lists are read off the catalogue's sorted slots afterwards. Only
 * unknown keys need strings of their own. The scratch state makes an instance single-use at a time,
 * which holds because evaluate is synchronous.
 */
export class Redactor {
  /** Stamps and counts, written by the generated builders. */
  readonly delivered: Uint32Array;
  readonly withheld: Uint32Array;
  epoch = 0;
  deliveredCount = 0;
  withheldCount = 0;
  private readonly unknown: string[] = [];

  constructor(private readonly catalogue: CatalogueIndex) {
    this.delivered = new Uint32Array(catalogue.slots.length);
    this.withheld = new Uint32Array(catalogue.slots.length);
  }

  view(mask: Uint8Array, relations: readonly Relation[], purposes: readonly Purpose[]): View {
    const terminals = this.catalogue.terminals.filter((s) => mask[s.id] === 1);
    return {
      mask,
      relations: Object.freeze(relations),
      purposes: Object.freeze(purposes),
      terminals: Object.freeze(terminals),
      terminalPaths: Object.freeze(terminals.map((s) => s.path)),
      build: this.compile(mask),
    };
  }

  /** `basis`, when given, is the consents and agreements the delivery rests on. */
  deliver(recipient: Party, view: View, input: JsonObject, basis?: readonly string[]): Delivery {
    if (this.epoch === 0xffffffff) {
      this.delivered.fill(0);
      this.withheld.fill(0);
      this.epoch = 0;
    }
    this.epoch++;
    this.deliveredCount = 0;
    this.withheldCount = 0;
    if (this.unknown.length > 0) this.unknown.length = 0;
    const data = view.build(input);
    const { relations, purposes } = view;
    const fieldsDelivered = this.deliveredPaths(view);
    const fieldsWithheld = this.withheldPaths();
    return basis === undefined
      ? { recipient, relations, purposes, data, fieldsDelivered, fieldsWithheld }
      : { recipient, relations, purposes, data, fieldsDelivered, fieldsWithheld, basis };
  }

  /** Records what a disallowed subtree holds: catalogued paths, and that unknown keys were present. */
  withhold(slot: Slot, value: unknown): void {
    if (slot.type === OBJECT && isObject(value)) {
      const fields = slot.fields as ReadonlyMap<string, Slot>;
      for (const key in value) {
        const child = fields.get(key);
        if (child === undefined) this.unknown.push(childPath(slot.path, UNKNOWN_FIELD));
        else this.withhold(child, value[key]);
      }
    } else if (slot.type === ARRAY && Array.isArray(value)) {
      const items = slot.items as Slot;
      for (let i = 0; i < value.length; i++) this.withhold(items, value[i]);
    } else if (this.withheld[slot.id] !== this.epoch) {
      this.withheld[slot.id] = this.epoch;
      this.withheldCount++;
    }
  }

  /** Records the keys of an object that its catalogue slot does not name. */
  unknownKeys(slot: Slot, value: JsonObject): void {
    const fields = slot.fields as ReadonlyMap<string, Slot>;
    for (const key in value) if (!fields.has(key)) this.unknown.push(childPath(slot.path, UNKNOWN_FIELD));
  }

  private deliveredPaths(view: View): readonly string[] {
    if (this.deliveredCount === view.terminals.length) return view.terminalPaths;
    if (this.deliveredCount === 0) return NONE;
    const paths: string[] = [];
    for (const slot of view.terminals) if (this.delivered[slot.id] === this.epoch) paths.push(slot.path);
    return paths;
  }

  private withheldPaths(): readonly string[] {
    if (this.withheldCount === 0 && this.unknown.length === 0) return NONE;
    const paths: string[] = [];
    if (this.withheldCount > 0) {
      for (const slot of this.catalogue.sorted)
        if (this.withheld[slot.id] === this.epoch) paths.push(slot.path);
    }
    if (this.unknown.length === 0) return paths;
    // Unknown keys repeat across array elements: sort once, then drop neighbours that are equal.
    for (const path of this.unknown) paths.push(path);
    paths.sort(comparePaths);
    let n = 0;
    for (let i = 0; i < paths.length; i++) if (i === 0 || paths[i] !== paths[n - 1]) paths[n++] = paths[i];
    paths.length = n;
    return paths;
  }

  /**
   * Generates the builder of a mask: one function per object and list slot it reaches, reading and
   * writing allowed keys by name, so that V8 sees fixed shapes instead of dictionary lookups. The
   * source holds nothing but catalogue keys (JSON-quoted) and slot numbers.
   */
  private compile(mask: Uint8Array): Builder {
    const functions: string[] = [];
    const delivered = (s: Slot) =>
      `if (D[${s.id}] !== r.epoch) { D[${s.id}] = r.epoch; r.deliveredCount++; }`;
    const withheld = (s: Slot) => `if (W[${s.id}] !== r.epoch) { W[${s.id}] = r.epoch; r.withheldCount++; }`;

    /** Code that takes `v`, a present value for slot `s`, and hands what may travel to `put`. */
    const take = (s: Slot, put: (value: string) => string): string => {
      if (mask[s.id] === 0) return `r.withhold(S[${s.id}], v);`;
      switch (s.type) {
        case LEAF:
          return `if (typeof v !== "object" || v === null) { ${put('v')} ${delivered(s)} } else { ${withheld(s)} }`;
        case OPAQUE:
          return `${put('v')} ${delivered(s)}`;
        case OBJECT:
          return `if (isObject(v)) { ${put(`${object(s)}(v)`)} } else { ${withheld(s)} }`;
        case ARRAY:
          return `if (Array.isArray(v)) { ${put(`${list(s)}(v)`)} } else { ${withheld(s)} }`;
      }
    };

    const object = (s: Slot): string => {
      const name = `o${s.id}`;
      const lines = [`function ${name}(x) {`, `  var out = {}, v, n = 0;`];
      for (const [key, child] of s.fields as ReadonlyMap<string, Slot>) {
        const k = JSON.stringify(key);
        lines.push(
          `  v = x[${k}];`,
          `  if (v !== undefined) { n++; ${take(child, (value) => `out[${k}] = ${value};`)} }`,
        );
      }
      lines.push(`  if (n !== countKeys(x)) r.unknownKeys(S[${s.id}], x);`, `  return out;`, `}`);
      functions.push(lines.join('\n'));
      return name;
    };

    const list = (s: Slot): string => {
      const name = `a${s.id}`;
      const items = s.items as Slot;
      functions.push(
        [
          `function ${name}(x) {`,
          ...whole(items),
          `  var out = [], v;`,
          `  for (var i = 0; i < x.length; i++) { v = x[i]; ${take(items, (value) => `out.push(${value});`)} }`,
          `  return out;`,
          `}`,
        ].join('\n'),
      );
      return name;
    };

    /**
     * A list of flat records whose every field the mask allows (meter-reading intervals) is delivered
     * as the input list itself when every element holds only those fields, with scalar values: exactly
     * what building it would give. Recipients then share one list, which is serialised once.
     */
    const whole = (items: Slot): string[] => {
      if (items.type !== OBJECT || mask[items.id] === 0) return [];
      const fields = [...(items.fields as ReadonlyMap<string, Slot>)];
      if (fields.length > 30 || fields.some(([, child]) => child.type !== LEAF || mask[child.id] === 0))
        return [];
      const lines = [
        `  var i = 0, e, f, c, seen = 0;`,
        `  for (; i < x.length; i++) {`,
        `    e = x[i];`,
        `    if (!isObject(e)) break;`,
        `    c = 0;`,
      ];
      fields.forEach(([key], bit) => {
        lines.push(
          `    f = e[${JSON.stringify(key)}];`,
          `    if (f !== undefined) { if (typeof f === "object" && f !== null) break; c++; seen |= ${1 << bit}; }`,
        );
      });
      lines.push(`    if (c !== countKeys(e)) break;`, `  }`, `  if (i === x.length) {`);
      fields.forEach(([, child], bit) => lines.push(`    if (seen & ${1 << bit}) { ${delivered(child)} }`));
      lines.push(`    return x;`, `  }`);
      return lines;
    };

    const root = object(this.catalogue.root);
    const source = `"use strict";\n${functions.join('\n')}\nreturn ${root};`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is built from the catalogue and mask only
    const factory = new Function('r', 'S', 'D', 'W', 'isObject', 'countKeys', source) as (
      ...args: unknown[]
    ) => Builder;
    return factory(this, this.catalogue.slots, this.delivered, this.withheld, isObject, countKeys);
  }
}
