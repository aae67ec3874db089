import type { FieldNode, ObjectNode } from '@kyodo/contracts';

export const LEAF = 0;
export const OPAQUE = 1;
export const OBJECT = 2;
export const ARRAY = 3;
export type SlotType = typeof LEAF | typeof OPAQUE | typeof OBJECT | typeof ARRAY;

/**
 * One node of the field catalogue, numbered so that masks and per-walk marks are flat typed arrays.
 * An array's elements have their own slot, with path `name[]`.
 */
export class Slot {
  fields: ReadonlyMap<string, Slot> | null = null;
  items: Slot | null = null;

  constructor(
    readonly id: number,
    readonly type: SlotType,
    readonly path: string,
    readonly parent: Slot | null,
  ) {}
}

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** The catalogue of one event kind, numbered. A mask is a Uint8Array indexed by slot id. */
export class CatalogueIndex {
  readonly root: Slot;
  readonly slots: readonly Slot[];
  /** Every slot but the root, sorted by path: the order of `fieldsDelivered` / `fieldsWithheld`. */
  readonly sorted: readonly Slot[];
  /** Leaf and opaque slots, sorted by path. */
  readonly terminals: readonly Slot[];

  constructor(node: ObjectNode) {
    const slots: Slot[] = [];
    const build = (n: FieldNode, path: string, parent: Slot | null): Slot => {
      const type =
        n.kind === 'leaf' ? LEAF : n.kind === 'opaque' ? OPAQUE : n.kind === 'object' ? OBJECT : ARRAY;
      const slot = new Slot(slots.length, type, path, parent);
      slots.push(slot);
      if (n.kind === 'object') {
        const fields = new Map<string, Slot>();
        for (const [key, child] of Object.entries(n.fields)) {
          // Builders read and write these keys by name: one that objects inherit would not be plain data.
          if (key in Object.prototype) {
            throw new Error(`field catalogue: "${childPath(path, key)}" shadows Object.prototype`);
          }
          fields.set(key, build(child, childPath(path, key), slot));
        }
        slot.fields = fields;
      } else if (n.kind === 'array') {
        slot.items = build(n.items, `${path}[]`, slot);
      }
      return slot;
    };
    this.root = build(node, '', null);
    this.slots = slots;
    this.sorted = slots.slice(1).sort((a, b) => comparePaths(a.path, b.path));
    this.terminals = this.sorted.filter((s) => s.type === LEAF || s.type === OPAQUE);
  }

  newMask(): Uint8Array {
    return new Uint8Array(this.slots.length);
  }

  /**
   * The slot a policy path names, or a message saying why it names none. `a.*` and `a` both select
   * a's whole subtree; `list[]` steps into an array's elements.
   */
  resolve(path: string): Slot | string {
    const segments = path.split('.');
    let slot = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment === '*') {
        if (i !== segments.length - 1) return `"*" may only end a path`;
        if (slot === this.root) return `"*" must follow an object field`;
        if (slot.type !== OBJECT) return `"*" must follow an object field, and ${slot.path} is not one`;
        return slot;
      }
      if (slot.type === ARRAY) return `${slot.path} is a list: write ${slot.path}[].${segment}`;
      if (slot.type !== OBJECT || slot.fields === null) {
        return `${slot.path} is not an object, it has no field "${segment}"`;
      }
      const isList = segment.endsWith('[]');
      const name = isList ? segment.slice(0, -2) : segment;
      const child = slot.fields.get(name);
      if (child === undefined) {
        const where = slot === this.root ? 'the data' : slot.path;
        return `${where} has no field "${name}" (known: ${[...slot.fields.keys()].join(', ')})`;
      }
      if (isList) {
        if (child.items === null) return `${child.path} is not a list`;
        slot = child.items;
      } else {
        slot = child;
      }
    }
    return slot;
  }

  /** Allow a slot's whole subtree, and mark its ancestors so the walk descends to it. */
  allow(mask: Uint8Array, slot: Slot): void {
    const down = (s: Slot): void => {
      mask[s.id] = 1;
      if (s.fields) for (const child of s.fields.values()) down(child);
      if (s.items) down(s.items);
    };
    down(slot);
    for (let p = slot.parent; p !== null; p = p.parent) mask[p.id] = 1;
  }

  /** The allowed leaf and opaque paths of a mask, sorted. */
  terminalPaths(mask: Uint8Array): string[] {
    return this.terminals.filter((s) => mask[s.id] === 1).map((s) => s.path);
  }
}
