import {
  type Agreement,
  CONSENT_CATEGORIES,
  PARTY_ID_PATTERN,
  PARTY_ROLES,
  SUPPLY_POINT_ID_PATTERN,
  isAreaCode,
  isCalendarDate,
  isRfc3339DateTime,
  type AreaCode,
  type Consent,
  type ConsentCategory,
  type Delegation,
  type Enrollment,
  type Party,
  type PartyRole,
  type RegistryData,
} from '@kyodo/contracts';
import { isAlias, isScalar, isSeq } from 'yaml';
import { article, hasControlCharacter, listOf } from './words';
import {
  YamlReader,
  isNull,
  joinPath,
  sortErrors,
  type Field,
  type RegistryFileError,
  type SourceLocation,
} from './yaml-reader';

/** A party that an enrollment or consent names but the file does not define: it must already be registered. */
export interface PartyReference extends SourceLocation {
  readonly partyId: string;
  /**
   * The role the reference needs: `aggregator` for an enrollment, `third-party` for a consent or
   * agreement; absent for a delegation, whose parties may have any role.
   */
  readonly role?: PartyRole;
}

/** Where the file defines a party, for the checks against the parties already registered. */
export interface PartyDefinition extends SourceLocation {
  readonly partyId: string;
  readonly role: PartyRole;
  readonly area?: AreaCode;
  /** Where the role and the area are written, to point at them. */
  readonly roleAt: SourceLocation;
  readonly areaAt?: SourceLocation;
}

export interface RegistryFileParsed {
  readonly ok: true;
  readonly data: RegistryData;
  /** Parties named by enrollments and consents but not defined in the file; see `checkReferences`. */
  readonly references: PartyReference[];
  readonly definitions: PartyDefinition[];
}

export interface RegistryFileRejected {
  readonly ok: false;
  /** Every problem found, sorted by position. */
  readonly errors: RegistryFileError[];
}

export type RegistryFileResult = RegistryFileParsed | RegistryFileRejected;

const TOP_KEYS = ['parties', 'enrollments', 'consents', 'agreements', 'delegations'] as const;
const PARTY_KEYS = ['id', 'role', 'name', 'area', 'suspended'] as const;
const AGREEMENT_KEYS = ['id', 'thirdPartyId', 'from', 'to'] as const;
const DELEGATION_KEYS = ['agentId', 'forId', 'from', 'to', 'revokedAt'] as const;
const ENROLLMENT_KEYS = ['aggregatorId', 'supplyPointId', 'from', 'to'] as const;
const CONSENT_KEYS = [
  'id',
  'thirdPartyId',
  'supplyPointId',
  'categories',
  'from',
  'to',
  'revokedAt',
] as const;

const PARTY_SHAPE = 'a party such as { id: R0001, role: retailer, name: "Clean Venture 21" }';
const ENROLLMENT_SHAPE = 'an enrollment with aggregatorId, supplyPointId, from and to';
const CONSENT_SHAPE = 'a consent with id, thirdPartyId, supplyPointId, categories, from, to and revokedAt';
const AGREEMENT_SHAPE = 'an agreement with id, thirdPartyId, from and to';
const DELEGATION_SHAPE = 'a delegation with agentId, forId, from and to (and optionally revokedAt)';

const PARTY_ID_RULE = 'an uppercase letter, then 1 to 15 uppercase letters or digits';

/**
 * Reads a registry file (see the contract's "Registry file") and checks all of it: YAML syntax, keys,
 * types, party ids and roles, areas, supply point ids, dates, and the references between entries. A
 * file with any error yields every error and no data. Parties that enrollments and consents name but
 * the file does not define are returned as `references`, for `checkReferences` against the database.
 */
export function parseRegistryFile(text: string, fileName?: string): RegistryFileResult {
  const reader = YamlReader.parse(text, fileName);
  if (reader.hasSyntaxErrors) return { ok: false, errors: sortErrors(reader.errors) };

  const sections = readSections(reader);
  const state = new ParseState();
  const parties = collect(reader, sections.parties, PARTY_KEYS, PARTY_SHAPE, (entry) =>
    readParty(entry, state),
  );
  const enrollments = collect(reader, sections.enrollments, ENROLLMENT_KEYS, ENROLLMENT_SHAPE, (entry) =>
    readEnrollment(entry, state),
  );
  const consents = collect(reader, sections.consents, CONSENT_KEYS, CONSENT_SHAPE, (entry) =>
    readConsent(entry, state),
  );
  const agreements = collect(reader, sections.agreements, AGREEMENT_KEYS, AGREEMENT_SHAPE, (entry) =>
    readAgreement(entry, state),
  );
  const delegations = collect(reader, sections.delegations, DELEGATION_KEYS, DELEGATION_SHAPE, (entry) =>
    readDelegation(entry, state),
  );

  if (reader.errors.length > 0) return { ok: false, errors: sortErrors(reader.errors) };
  return {
    ok: true,
    // An `agreements` key, even with an empty list, makes agreements required (contract v1.1).
    data: {
      parties,
      enrollments,
      consents,
      ...(sections.agreements ? { agreements } : {}),
      ...(sections.delegations ? { delegations } : {}),
    },
    references: state.references,
    definitions: [...state.parties.values()].flatMap((d) => (d.definition ? [d.definition] : [])),
  };
}

type Section = { readonly items: readonly unknown[]; readonly path: string } | undefined;

function readSections(reader: YamlReader): Record<(typeof TOP_KEYS)[number], Section> {
  const sections: Record<(typeof TOP_KEYS)[number], Section> = {
    parties: undefined,
    enrollments: undefined,
    consents: undefined,
    agreements: undefined,
    delegations: undefined,
  };
  const root = reader.deref(reader.doc.contents, '');
  if (isNull(root)) return sections;
  const fields = reader.mapping(root, '', TOP_KEYS, `a mapping with ${listOf(TOP_KEYS)}`);
  if (!fields) return sections;
  for (const key of TOP_KEYS) {
    const field = fields.get(key);
    if (!field) continue;
    const node = reader.deref(field.value, key);
    const items = reader.sequence(node, key, key);
    if (items) sections[key] = { items, path: key };
  }
  return sections;
}

function collect<T>(
  reader: YamlReader,
  section: Section,
  keys: readonly string[],
  shape: string,
  read: (entry: Entry) => T | undefined,
): T[] {
  const out: T[] = [];
  if (!section) return out;
  section.items.forEach((item, index) => {
    const path = `${section.path}[${index}]`;
    // An alias here would repeat a whole entry, which is always a duplicate.
    if (isAlias(item)) {
      reader.fail(item, path, `alias *${item.source} repeats an entry; write each entry out`);
      return;
    }
    const fields = reader.mapping(item, path, keys, shape);
    if (!fields) return;
    const before = reader.errors.length;
    const value = read(new Entry(reader, item, path, fields));
    if (value !== undefined && reader.errors.length === before) out.push(value);
  });
  return out;
}

/** What the file defines so far, for duplicates and cross-references. */
class ParseState {
  readonly parties = new Map<
    string,
    { role: PartyRole | undefined; line: number; definition?: PartyDefinition }
  >();
  occto: { id: string; line: number } | undefined;
  readonly tdsoByArea = new Map<AreaCode, { id: string; line: number }>();
  readonly enrollments = new Map<string, number>();
  readonly consentIds = new Map<string, number>();
  readonly agreementIds = new Map<string, number>();
  readonly delegations = new Map<string, number>();
  readonly references: PartyReference[] = [];
}

/** One list entry: typed reads of its fields, each error placed at the value (or the key, or the entry). */
class Entry {
  constructor(
    readonly reader: YamlReader,
    readonly node: unknown,
    readonly path: string,
    private readonly fields: Map<string, Field>,
  ) {}

  get line(): number {
    return this.reader.locate(this.node, this.path).line;
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  /** The value of `key` through any alias, and the node to point at; undefined when absent or a broken alias. */
  field(key: string, required: boolean): { node: unknown; at: unknown; path: string } | undefined {
    const field = this.fields.get(key);
    const path = joinPath(this.path, key);
    if (!field) {
      if (required) this.reader.fail(this.node, this.path, `missing key "${key}"`);
      return undefined;
    }
    const empty = isNull(field.value) && this.reader.sourceOf(field.value) === '';
    const at = empty ? field.key : field.value;
    const node = this.reader.deref(field.value, path);
    if (node === undefined && isAlias(field.value)) return undefined;
    return { node, at, path };
  }

  keyNode(key: string): unknown {
    return this.fields.get(key)?.key;
  }

  fail(at: unknown, path: string, message: string): void {
    this.reader.fail(at, path, message);
  }

  locate(at: unknown, path: string): SourceLocation {
    return this.reader.locate(at, path);
  }

  /** `secret`: a value that may identify a customer is not repeated in the error. */
  string(
    key: string,
    suggest?: (raw: string) => string,
    secret = false,
  ): { value: string; at: unknown; path: string } | undefined {
    const field = this.field(key, true);
    if (!field) return undefined;
    const value = this.reader.string(field.node, field.at, field.path, suggest, secret);
    return value === undefined ? undefined : { value, at: field.at, path: field.path };
  }

  /** A non-blank string the database can store. */
  text(key: string): { value: string; at: unknown; path: string } | undefined {
    const field = this.string(key);
    if (!field) return undefined;
    const problem = textProblem(field.value);
    if (problem) {
      this.fail(field.at, field.path, problem);
      return undefined;
    }
    return field;
  }

  partyId(key: string): { value: string; at: unknown; path: string } | undefined {
    const field = this.string(key);
    if (!field) return undefined;
    if (!PARTY_ID_PATTERN.test(field.value)) {
      this.fail(field.at, field.path, `"${field.value}" is not a party id (${PARTY_ID_RULE})`);
      return undefined;
    }
    return field;
  }

  /** A supply point id identifies a customer's premises: errors point at it but never repeat it. */
  supplyPointId(key: string): string | undefined {
    const field = this.string(key, undefined, true);
    if (!field) return undefined;
    const value = field.value;
    if (!SUPPLY_POINT_ID_PATTERN.test(value)) {
      this.fail(
        field.at,
        field.path,
        `a supply point id is 22 digits; this one has ${value.length} characters${/^\d*$/.test(value) ? '' : ', not all digits'}`,
      );
      return undefined;
    }
    if (!isAreaCode(value.slice(0, 2))) {
      this.fail(
        field.at,
        field.path,
        `the supply point id starts with ${value.slice(0, 2)}, which is not a supply area (01..10)`,
      );
      return undefined;
    }
    return value;
  }

  date(key: string): { value: string; at: unknown; path: string } | undefined {
    const field = this.field(key, true);
    if (!field) return undefined;
    const node = field.node;
    const value = this.reader.textOf(node);
    if (value !== undefined) {
      if (isStorableDate(value)) return { value, at: field.at, path: field.path };
      this.fail(field.at, field.path, `must be a calendar date written YYYY-MM-DD, got "${value}"`);
      return undefined;
    }
    const raw = this.reader.sourceOf(node);
    this.fail(
      field.at,
      field.path,
      isNull(node) && raw === ''
        ? 'has no value'
        : `must be a calendar date written YYYY-MM-DD, got ${raw || 'null'}`,
    );
    return undefined;
  }

  /** `from` and `to`, inclusive, with `from` not after `to`. */
  period(): { from: string; to: string } | undefined {
    const from = this.date('from');
    const to = this.date('to');
    if (!from || !to) return undefined;
    if (to.value < from.value) {
      this.fail(to.at, to.path, `${to.value} is before from (${from.value})`);
      return undefined;
    }
    return { from: from.value, to: to.value };
  }

  /**
   * A party that must have `role` (any role when undefined): checked here if the file defines it, else
   * returned as a reference.
   */
  reference(key: string, role: PartyRole | undefined, state: ParseState): string | undefined {
    const field = this.partyId(key);
    if (!field) return undefined;
    const defined = state.parties.get(field.value);
    if (defined) {
      if (role !== undefined && defined.role !== undefined && defined.role !== role) {
        this.fail(
          field.at,
          field.path,
          `${field.value} is ${article(defined.role)} (line ${defined.line}), not ${article(role)}`,
        );
        return undefined;
      }
    } else {
      state.references.push({
        ...this.locate(field.at, field.path),
        partyId: field.value,
        ...(role === undefined ? {} : { role }),
      });
    }
    return field.value;
  }
}

/** PostgreSQL text holds neither NUL nor unpaired surrogates; other control characters have no place in a name. */
function textProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty';
  if (hasControlCharacter(value)) return 'must not contain control characters';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    return 'must be valid Unicode (it holds an unpaired surrogate)';
  }
  return undefined;
}

/** PostgreSQL has no year 0, which RFC 3339 allows. */
function isStorableDate(value: string): boolean {
  return isCalendarDate(value) && !value.startsWith('0000');
}

function isStorableInstant(value: string): boolean {
  return isRfc3339DateTime(value) && !value.startsWith('0000');
}

function padArea(raw: string): string {
  return /^\d$/.test(raw) ? `0${raw}` : raw;
}

function readParty(entry: Entry, state: ParseState): Party | undefined {
  const id = entry.partyId('id');
  if (id) {
    const first = state.parties.get(id.value);
    if (first) {
      entry.fail(id.at, id.path, `duplicate party id ${id.value} (first defined at line ${first.line})`);
    }
  }

  const roleField = entry.string('role');
  let role: PartyRole | undefined;
  if (roleField) {
    role = PARTY_ROLES.find((r) => r === roleField.value);
    if (!role)
      entry.fail(
        roleField.at,
        roleField.path,
        `unknown role "${roleField.value}"; expected ${listOf(PARTY_ROLES)}`,
      );
  }
  const name = entry.text('name')?.value;
  const suspended = readSuspended(entry);

  let area: AreaCode | undefined;
  let areaAt: SourceLocation | undefined;
  if (role === 'tdso') {
    if (!entry.has('area')) {
      entry.fail(entry.node, entry.path, 'a tdso needs an area, "01".."10"');
    } else {
      const field = entry.string('area', padArea);
      if (field && !isAreaCode(field.value)) {
        entry.fail(field.at, field.path, `"${field.value}" is not a supply area; expected "01".."10"`);
      } else if (field) {
        area = field.value as AreaCode;
        areaAt = entry.locate(field.at, field.path);
        const holder = state.tdsoByArea.get(area);
        if (holder) {
          entry.fail(
            field.at,
            field.path,
            `area ${area} already has a tdso, ${holder.id} (line ${holder.line})`,
          );
        } else if (id) {
          state.tdsoByArea.set(area, { id: id.value, line: entry.line });
        }
      }
    }
  } else if (role && entry.has('area')) {
    entry.fail(
      entry.keyNode('area'),
      joinPath(entry.path, 'area'),
      `only a tdso has an area, not ${article(role)}`,
    );
  }

  if (role === 'occto' && roleField) {
    if (state.occto) {
      entry.fail(
        roleField.at,
        roleField.path,
        `there is already an occto, ${state.occto.id} (line ${state.occto.line})`,
      );
    } else if (id) {
      state.occto = { id: id.value, line: entry.line };
    }
  }

  if (id && !state.parties.has(id.value)) {
    state.parties.set(id.value, {
      role,
      line: entry.line,
      definition:
        role && roleField
          ? {
              ...entry.locate(entry.node, entry.path),
              partyId: id.value,
              role,
              roleAt: entry.locate(roleField.at, roleField.path),
              ...(area !== undefined && areaAt ? { area, areaAt } : {}),
            }
          : undefined,
    });
  }

  if (!id || !role || name === undefined || suspended === undefined) return undefined;
  return {
    id: id.value,
    role,
    name,
    ...(area === undefined ? {} : { area }),
    ...(suspended ? { suspended: true } : {}),
  };
}

/** `suspended: true|false` (v1.1), false when absent; undefined after reporting a value of another kind. */
function readSuspended(entry: Entry): boolean | undefined {
  if (!entry.has('suspended')) return false;
  const field = entry.field('suspended', false);
  if (!field) return undefined;
  if (isScalar(field.node) && typeof field.node.value === 'boolean') return field.node.value;
  const raw = entry.reader.sourceOf(field.node);
  entry.fail(
    field.at,
    field.path,
    `must be true or false, got ${isNull(field.node) && raw === '' ? 'no value' : raw || 'null'}`,
  );
  return undefined;
}

function readAgreement(entry: Entry, state: ParseState): Agreement | undefined {
  const idField = entry.text('id');
  let id: string | undefined;
  if (idField) {
    const first = state.agreementIds.get(idField.value);
    if (first !== undefined) {
      entry.fail(
        idField.at,
        idField.path,
        `duplicate agreement id ${idField.value} (first defined at line ${first})`,
      );
    } else {
      id = idField.value;
      state.agreementIds.set(id, entry.line);
    }
  }
  const thirdPartyId = entry.reference('thirdPartyId', 'third-party', state);
  const period = entry.period();
  if (id === undefined || thirdPartyId === undefined || !period) return undefined;
  return { id, thirdPartyId, from: period.from, to: period.to };
}

function readDelegation(entry: Entry, state: ParseState): Delegation | undefined {
  const agentId = entry.reference('agentId', undefined, state);
  const forId = entry.reference('forId', undefined, state);
  const period = entry.period();
  const revokedAt = readRevokedAt(entry);
  if (agentId === undefined || forId === undefined || !period || revokedAt === undefined) return undefined;
  if (agentId === forId) {
    entry.fail(entry.node, entry.path, `${agentId} cannot be delegated to act for itself`);
    return undefined;
  }
  const key = `${agentId} ${forId} ${period.from}`;
  const first = state.delegations.get(key);
  if (first !== undefined) {
    entry.fail(
      entry.node,
      entry.path,
      `duplicate delegation of ${agentId} for ${forId} from ${period.from} (first at line ${first})`,
    );
    return undefined;
  }
  state.delegations.set(key, entry.line);
  return { agentId, forId, from: period.from, to: period.to, revokedAt };
}

function readEnrollment(entry: Entry, state: ParseState): Enrollment | undefined {
  const aggregatorId = entry.reference('aggregatorId', 'aggregator', state);
  const supplyPointId = entry.supplyPointId('supplyPointId');
  const period = entry.period();
  if (aggregatorId === undefined || supplyPointId === undefined || !period) return undefined;
  const key = `${aggregatorId} ${supplyPointId} ${period.from}`;
  const first = state.enrollments.get(key);
  if (first !== undefined) {
    entry.fail(
      entry.node,
      entry.path,
      `duplicate enrollment of the same supply point with ${aggregatorId} from ${period.from} (first at line ${first})`,
    );
    return undefined;
  }
  state.enrollments.set(key, entry.line);
  return { aggregatorId, supplyPointId, from: period.from, to: period.to };
}

function readConsent(entry: Entry, state: ParseState): Consent | undefined {
  const idField = entry.text('id');
  let id: string | undefined;
  if (idField) {
    const first = state.consentIds.get(idField.value);
    if (first !== undefined) {
      entry.fail(
        idField.at,
        idField.path,
        `duplicate consent id ${idField.value} (first defined at line ${first})`,
      );
    } else {
      id = idField.value;
      state.consentIds.set(id, entry.line);
    }
  }
  const thirdPartyId = entry.reference('thirdPartyId', 'third-party', state);
  const supplyPointId = entry.supplyPointId('supplyPointId');
  const categories = readCategories(entry);
  const period = entry.period();
  const revokedAt = readRevokedAt(entry);
  if (
    id === undefined ||
    thirdPartyId === undefined ||
    supplyPointId === undefined ||
    !categories ||
    !period ||
    revokedAt === undefined
  ) {
    return undefined;
  }
  return { id, thirdPartyId, supplyPointId, categories, from: period.from, to: period.to, revokedAt };
}

function readCategories(entry: Entry): ConsentCategory[] | undefined {
  const field = entry.field('categories', true);
  if (!field) return undefined;
  const { reader } = entry;
  if (!isSeq(field.node)) {
    const found =
      isNull(field.node) && reader.sourceOf(field.node) === ''
        ? 'has no value'
        : `found ${reader.sourceOf(field.node)}`;
    entry.fail(field.at, field.path, `${found}; expected a list such as [meter-reading, negawatt]`);
    return undefined;
  }
  if (field.node.items.length === 0) {
    entry.fail(field.at, field.path, `must name at least one category: ${listOf(CONSENT_CATEGORIES)}`);
    return undefined;
  }
  const categories: ConsentCategory[] = [];
  let ok = true;
  field.node.items.forEach((item, index) => {
    const path = `${field.path}[${index}]`;
    const node = reader.deref(item, path);
    if (node === undefined && isAlias(item)) {
      ok = false;
      return;
    }
    const value = reader.string(node, item, path);
    if (value === undefined) {
      ok = false;
      return;
    }
    const category = CONSENT_CATEGORIES.find((c) => c === value);
    if (!category) {
      entry.fail(item, path, `unknown category "${value}"; expected ${listOf(CONSENT_CATEGORIES)}`);
      ok = false;
    } else if (categories.includes(category)) {
      entry.fail(item, path, `${category} is listed twice`);
      ok = false;
    } else {
      categories.push(category);
    }
  });
  return ok ? categories : undefined;
}

/** null (or absent) while the consent is in force; otherwise an RFC 3339 instant. */
function readRevokedAt(entry: Entry): string | null | undefined {
  if (!entry.has('revokedAt')) return null;
  const field = entry.field('revokedAt', false);
  if (!field) return undefined;
  if (isNull(field.node)) return null;
  const hint = 'must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00';
  const value = entry.reader.textOf(field.node);
  if (value !== undefined) {
    if (isStorableInstant(value)) return value;
    entry.fail(field.at, field.path, `${hint}, got "${value}"`);
    return undefined;
  }
  entry.fail(field.at, field.path, `${hint}, got ${entry.reader.sourceOf(field.node)}`);
  return undefined;
}
