import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type ErrorCode,
  type YAMLError,
} from 'yaml';
import { listOf } from './words';

/** One problem in a YAML input, placed at the node it concerns (1-based line and column). */
export interface RegistryFileError {
  readonly line: number;
  /** 0 when only the line is known (a line of an NDJSON file). */
  readonly column: number;
  /** Where in the document, as `parties[2].area`; empty for a YAML syntax error. */
  readonly path: string;
  readonly message: string;
  /** The file name given to the parser, if any. */
  readonly file?: string;
}

/** Where a value sits in the input, for errors found later (against the database, say). */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly file?: string;
}

/** `FILE:LINE:COL: path: message` (`FILE:LINE: …` without a column), the way compilers print it. */
export function formatRegistryFileError(error: RegistryFileError, fileName?: string): string {
  const file = fileName ?? error.file ?? '<input>';
  const where = error.path === '' ? '' : `${error.path}: `;
  const column = error.column > 0 ? `:${error.column}` : '';
  return `${file}:${error.line}${column}: ${where}${error.message}`;
}

export function errorAt(location: SourceLocation, message: string): RegistryFileError {
  return location.file === undefined
    ? { line: location.line, column: location.column, path: location.path, message }
    : { line: location.line, column: location.column, path: location.path, message, file: location.file };
}

/** Sorted by position, so the output reads top to bottom; the sort is stable. */
export function sortErrors(errors: readonly RegistryFileError[]): RegistryFileError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.column - b.column);
}

type Node = unknown;

/** YAML problems after which the document is still whole, so its content is checked too. */
const INTACT = new Set<ErrorCode>(['DUPLICATE_KEY', 'MULTIPLE_DOCS', 'TAG_RESOLVE_FAILED']);

/** A key of a mapping together with its value node (null for `key:` with nothing after it). */
export interface Field {
  readonly key: Node;
  readonly value: Node;
}

/**
 * A parsed YAML document with the means to point at its nodes and to collect errors against them.
 * The core schema keeps `2026-01-01` and `yes` as strings; only numbers, booleans and null are typed.
 */
export class YamlReader {
  readonly errors: RegistryFileError[] = [];

  /** Offsets where lines start. yaml's LineCounter misses line breaks inside some malformed input, so they are found here. */
  private readonly lineStarts: number[] = [0];
  private broken = false;

  private constructor(
    private readonly text: string,
    readonly doc: Document.Parsed,
    private readonly file: string | undefined,
  ) {
    for (const match of text.matchAll(/\r\n|\r|\n/g)) this.lineStarts.push(match.index + match[0].length);
  }

  static parse(text: string, file?: string): YamlReader {
    const doc = parseDocument(text, {
      schema: 'core',
      version: '1.2',
      prettyErrors: false,
      uniqueKeys: true,
    });
    const reader = new YamlReader(text, doc, file);
    for (const problem of [...doc.errors, ...doc.warnings]) {
      if (!INTACT.has(problem.code)) reader.broken = true;
      reader.errors.push(errorAt(reader.locateOffset(problem.pos[0], ''), reader.explain(problem)));
    }
    return reader;
  }

  /** True when the YAML could not be read as a whole; its content is then not checked, to avoid noise. */
  get hasSyntaxErrors(): boolean {
    return this.broken;
  }

  private explain(problem: YAMLError): string {
    if (problem.code === 'DUPLICATE_KEY') {
      const key = /^(?:"[^"]*"|'[^']*'|[^\s:,{}[\]]+)/.exec(this.text.slice(problem.pos[0]));
      return key ? `duplicate key ${key[0]}` : 'duplicate key';
    }
    if (problem.code === 'MULTIPLE_DOCS') return 'a second YAML document; the file must hold exactly one';
    if (problem.code === 'TAG_RESOLVE_FAILED') {
      return problem.message
        .replace('Unresolved tag: tag:yaml.org,2002:', 'unsupported tag !!')
        .replace('Unresolved tag: ', 'unsupported tag ');
    }
    return problem.message;
  }

  locateOffset(offset: number, path: string): SourceLocation {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= at) low = mid;
      else high = mid - 1;
    }
    const line = low + 1;
    const column = at - this.lineStarts[low] + 1;
    return this.file === undefined ? { line, column, path } : { line, column, path, file: this.file };
  }

  locate(node: Node, path: string): SourceLocation {
    return this.locateOffset(rangeOf(node)?.[0] ?? 0, path);
  }

  fail(node: Node, path: string, message: string): void {
    this.errors.push(errorAt(this.locate(node, path), message));
  }

  /** The node an alias stands for (the node itself otherwise); undefined, with an error, for an unknown alias. */
  deref(node: Node, path: string): Node {
    if (!isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (target === undefined) {
      this.fail(node, path, `alias *${node.source} names no anchor defined before it`);
      return undefined;
    }
    return target;
  }

  /** The text a node was written as, e.g. `03` for a scalar read as the number 3. */
  sourceOf(node: Node): string {
    const range = rangeOf(node);
    return range ? this.text.slice(range[0], range[1]) : '';
  }

  /** A string scalar's value; for a `!!timestamp`, which YAML turns into a Date, the text as written. */
  textOf(node: Node): string | undefined {
    if (!isScalar(node)) return undefined;
    if (typeof node.value === 'string') return node.value;
    if (node.value instanceof Date) return this.sourceOf(node);
    return undefined;
  }

  /**
   * The fields of a mapping by key. Non-string keys and keys outside `allowed` are reported.
   * Returns undefined (with an error) when `node` is not a mapping.
   */
  mapping(
    node: Node,
    path: string,
    allowed: readonly string[],
    expected: string,
  ): Map<string, Field> | undefined {
    if (!isMap(node)) {
      this.fail(node, path, `${describeMismatch(node, this.sourceOf(node))}; expected ${expected}`);
      return undefined;
    }
    const fields = new Map<string, Field>();
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.fail(key ?? node, path, `keys must be plain names, not ${describeValue(key)}`);
        continue;
      }
      if (!allowed.includes(key.value)) {
        this.fail(key, joinPath(path, key.value), `unknown key "${key.value}"; expected ${listOf(allowed)}`);
        continue;
      }
      fields.set(key.value, { key, value: pair.value });
    }
    return fields;
  }

  /** The items of a list, or [] for an empty value (`parties:` with nothing under it). */
  sequence(node: Node, path: string, expected: string): readonly Node[] | undefined {
    if (isNull(node)) return [];
    if (!isSeq(node)) {
      this.fail(node, path, `${describeMismatch(node, this.sourceOf(node))}; expected a list of ${expected}`);
      return undefined;
    }
    return node.items;
  }

  /**
   * The string at `node`, or undefined after reporting what it is instead. A plain scalar that YAML
   * read as a number, boolean or null gets a hint to quote it; `suggest` can improve on the quoted form.
   */
  string(
    node: Node,
    at: Node,
    path: string,
    suggest?: (raw: string) => string,
    secret = false,
  ): string | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.fail(at, path, this.notAString(node, suggest, secret));
    return undefined;
  }

  notAString(node: Node, suggest?: (raw: string) => string, secret = false): string {
    if (isNull(node) && this.sourceOf(node) === '') return 'has no value';
    if (isScalar(node) && node.type === 'PLAIN' && node.tag === undefined) {
      const raw = this.sourceOf(node);
      const kind = node.value === null ? 'null' : typeof node.value === 'boolean' ? 'a boolean' : 'a number';
      if (secret) return `must be a quoted string: unquoted, this value is read as ${kind}`;
      return `must be a quoted string: unquoted, ${raw} is read as ${kind}; write "${suggest ? suggest(raw) : raw}"`;
    }
    return `must be a string, not ${describeValue(node)}`;
  }
}

export function isNull(node: Node): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function rangeOf(node: Node): readonly [number, number, number] | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ?? undefined;
}

function describeValue(node: Node): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (!isScalar(node) || node.value === null) return 'null';
  const value = node.value;
  if (typeof value === 'string') return `the string "${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (value instanceof Date) return 'a timestamp';
  return `a ${node.tag ?? 'tagged'} value`;
}

function describeMismatch(node: Node, raw: string): string {
  if (isNull(node) && raw === '') return 'has no value';
  return `found ${describeValue(node)}`;
}
