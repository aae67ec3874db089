import {
  CONSENT_CATEGORIES,
  PARTY_ID_PATTERN,
  PARTY_ROLES,
  SUPPLY_POINT_ID_PATTERN,
  isAreaCode,
  isCalendarDate,
  isRfc3339DateTime,
  type Agreement,
  type AreaCode,
  type Consent,
  type ConsentCategory,
  type Enrollment,
  type Party,
  type PartyRole,
} from '@kyodo/contracts';
import type { RegisteredParty } from './references';
import { article, hasControlCharacter, listOf } from './words';
import type { RegistryFileError } from './yaml-reader';

/**
 * The registry's bulk format: NDJSON, one JSON object per line, each with a `kind` (`party`,
 * `enrollment`, `consent` or `agreement`) and the fields of that kind as in the YAML file (dates as
 * `YYYY-MM-DD` strings, `area` as a string). Blank lines are skipped. Read a line at a time, so a
 * file of millions of lines is checked in bounded memory; a party must be defined before the lines
 * that name it, or be registered already.
 */
export type RegistryLine =
  | { readonly kind: 'party'; readonly party: Party }
  | { readonly kind: 'enrollment'; readonly enrollment: Enrollment }
  | { readonly kind: 'consent'; readonly consent: Consent }
  | { readonly kind: 'agreement'; readonly agreement: Agreement };

export type RegistryLineResult =
  | { readonly ok: true; readonly row: RegistryLine | undefined }
  | { readonly ok: false; readonly errors: RegistryFileError[] };

export const REGISTRY_LINE_KINDS = ['party', 'enrollment', 'consent', 'agreement'] as const;

const KEYS: Record<(typeof REGISTRY_LINE_KINDS)[number], readonly string[]> = {
  party: ['kind', 'id', 'role', 'name', 'area', 'suspended'],
  enrollment: ['kind', 'aggregatorId', 'supplyPointId', 'from', 'to'],
  consent: ['kind', 'id', 'thirdPartyId', 'supplyPointId', 'categories', 'from', 'to', 'revokedAt'],
  agreement: ['kind', 'id', 'thirdPartyId', 'from', 'to'],
};

const PARTY_ID_RULE = 'an uppercase letter, then 1 to 15 uppercase letters or digits';

interface Defined {
  readonly role: PartyRole;
  readonly area?: AreaCode;
  /** Where defined in this import; undefined when only registered. */
  readonly at?: { readonly file: string; readonly line: number };
}

/**
 * Checks registry lines one by one against the parties registered and those defined earlier in the
 * import (kept in memory: a few thousand at most). Duplicate enrollments, consents and agreements are
 * not tracked here (millions of keys); the import finds them in its staging tables, by line.
 */
export class RegistryLineReader {
  private readonly parties = new Map<string, Defined>();
  /** Parties defined by the import, in order: for the summary, topics and broker users. */
  readonly defined: Party[] = [];

  constructor(registered: ReadonlyMap<string, RegisteredParty>) {
    for (const [id, party] of registered) {
      this.parties.set(id, { role: party.role, ...(party.area ? { area: party.area } : {}) });
    }
  }

  read(text: string, file: string, line: number): RegistryLineResult {
    if (text.trim() === '') return { ok: true, row: undefined };
    const errors: RegistryFileError[] = [];
    const fail = (path: string, message: string) => errors.push({ file, line, column: 0, path, message });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail('', `not a JSON value: ${(error as Error).message}`);
      return { ok: false, errors };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail('', `expected a JSON object with a "kind", got ${describe(value)}`);
      return { ok: false, errors };
    }
    const object = value as Record<string, unknown>;
    const kind = REGISTRY_LINE_KINDS.find((k) => k === object.kind);
    if (kind === undefined) {
      fail(
        'kind',
        object.kind === undefined
          ? `missing; expected ${listOf(REGISTRY_LINE_KINDS)}`
          : `unknown kind ${describe(object.kind)}; expected ${listOf(REGISTRY_LINE_KINDS)}`,
      );
      return { ok: false, errors };
    }
    const fields = new Fields(object, kind, fail);
    const unknown = Object.keys(object).filter((k) => !KEYS[kind].includes(k));
    for (const key of unknown) fail(`${kind}.${key}`, `unknown key; ${kind} has ${listOf(KEYS[kind])}`);
    const row = this.readKind(kind, fields, file, line);
    if (errors.length > 0 || row === undefined) return { ok: false, errors };
    return { ok: true, row };
  }

  private readKind(
    kind: (typeof REGISTRY_LINE_KINDS)[number],
    f: Fields,
    file: string,
    line: number,
  ): RegistryLine | undefined {
    switch (kind) {
      case 'party': {
        const party = this.readParty(f, file, line);
        return party && { kind, party };
      }
      case 'enrollment': {
        const aggregatorId = this.reference(f, 'aggregatorId', 'aggregator');
        const supplyPointId = f.supplyPointId('supplyPointId');
        const period = f.period();
        if (aggregatorId === undefined || supplyPointId === undefined || period === undefined) return;
        return { kind, enrollment: { aggregatorId, supplyPointId, ...period } };
      }
      case 'consent': {
        const id = f.text('id');
        const thirdPartyId = this.reference(f, 'thirdPartyId', 'third-party');
        const supplyPointId = f.supplyPointId('supplyPointId');
        const categories = f.categories();
        const period = f.period();
        const revokedAt = f.revokedAt();
        if (
          id === undefined ||
          thirdPartyId === undefined ||
          supplyPointId === undefined ||
          categories === undefined ||
          period === undefined ||
          revokedAt === undefined
        ) {
          return undefined;
        }
        return { kind, consent: { id, thirdPartyId, supplyPointId, categories, ...period, revokedAt } };
      }
      case 'agreement': {
        const id = f.text('id');
        const thirdPartyId = this.reference(f, 'thirdPartyId', 'third-party');
        const period = f.period();
        if (id === undefined || thirdPartyId === undefined || period === undefined) return;
        return { kind, agreement: { id, thirdPartyId, ...period } };
      }
    }
  }

  private readParty(f: Fields, file: string, line: number): Party | undefined {
    const id = f.partyId('id');
    const roleValue = f.string('role');
    const role = PARTY_ROLES.find((r) => r === roleValue);
    if (roleValue !== undefined && role === undefined) {
      f.fail('role', `unknown role ${JSON.stringify(roleValue)}; expected ${listOf(PARTY_ROLES)}`);
    }
    const name = f.text('name');
    const suspended = f.boolean('suspended');
    let area: AreaCode | undefined;
    if (role === 'tdso') {
      const value = f.string('area');
      if (value !== undefined && !isAreaCode(value)) {
        f.fail('area', `${JSON.stringify(value)} is not a supply area; expected "01".."10"`);
      } else {
        area = value;
      }
    } else if (role !== undefined && f.has('area')) {
      f.fail('area', `only a tdso has an area, not ${article(role)}`);
    }
    if (id === undefined || role === undefined || name === undefined || suspended === undefined) return;
    if (role === 'tdso' && area === undefined) return;

    const before = this.parties.get(id);
    if (before?.at !== undefined) {
      f.fail('id', `party ${id} is defined twice (first at ${before.at.file}:${before.at.line})`);
      return;
    }
    if (before !== undefined && before.role !== role) {
      f.fail(
        'role',
        `${id} is registered as ${article(before.role)}; an import cannot change a party's role`,
      );
      return;
    }
    for (const [otherId, other] of this.parties) {
      if (otherId === id) continue;
      const where = other.at ? `defined at ${other.at.file}:${other.at.line}` : 'registered';
      if (role === 'occto' && other.role === 'occto') {
        f.fail('role', `there is already an occto, ${otherId} (${where}); there is at most one`);
        return;
      }
      if (role === 'tdso' && other.role === 'tdso' && other.area === area) {
        f.fail('area', `area ${area} already has a tdso, ${otherId} (${where})`);
        return;
      }
    }
    this.parties.set(id, { role, ...(area ? { area } : {}), at: { file, line } });
    const party: Party = {
      id,
      role,
      name,
      ...(area === undefined ? {} : { area }),
      ...(suspended ? { suspended: true } : {}),
    };
    this.defined.push(party);
    return party;
  }

  /** A party that must have `role`, defined earlier in the import or registered. */
  private reference(f: Fields, key: string, role: PartyRole): string | undefined {
    const id = f.partyId(key);
    if (id === undefined) return undefined;
    const party = this.parties.get(id);
    if (party === undefined) {
      f.fail(key, `${id} is neither defined earlier in the import nor registered`);
      return undefined;
    }
    if (party.role !== role) {
      const where = party.at ? `defined at ${party.at.file}:${party.at.line}` : 'registered';
      f.fail(key, `${id} is ${article(party.role)} (${where}), not ${article(role)}`);
      return undefined;
    }
    return id;
  }
}

/** Typed reads of one line's fields; each problem is reported at `kind.key`. */
class Fields {
  constructor(
    private readonly object: Record<string, unknown>,
    private readonly kind: string,
    private readonly report: (path: string, message: string) => void,
  ) {}

  has(key: string): boolean {
    return this.object[key] !== undefined;
  }

  fail(key: string, message: string): void {
    this.report(`${this.kind}.${key}`, message);
  }

  string(key: string): string | undefined {
    const value = this.object[key];
    if (value === undefined) {
      this.fail(key, 'missing');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(key, `must be a string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A non-blank string the database can store. */
  text(key: string): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value.trim() === '') this.fail(key, 'must not be empty');
    else if (hasControlCharacter(value)) this.fail(key, 'must not contain control characters');
    else if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
      this.fail(key, 'must be valid Unicode (it holds an unpaired surrogate)');
    } else return value;
    return undefined;
  }

  partyId(key: string): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (PARTY_ID_PATTERN.test(value)) return value;
    this.fail(key, `${describe(value)} is not a party id (${PARTY_ID_RULE})`);
    return undefined;
  }

  /** A supply point id identifies a customer's premises: errors describe it but never repeat it. */
  supplyPointId(key: string): string | undefined {
    const value = this.object[key];
    if (value === undefined) {
      this.fail(key, 'missing');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(key, `must be a string of 22 digits, got a ${value === null ? 'null' : typeof value}`);
      return undefined;
    }
    if (!SUPPLY_POINT_ID_PATTERN.test(value)) {
      this.fail(
        key,
        `a supply point id is 22 digits; this one has ${value.length} characters${/^\d*$/.test(value) ? '' : ', not all digits'}`,
      );
      return undefined;
    }
    if (!isAreaCode(value.slice(0, 2))) {
      this.fail(
        key,
        `the supply point id starts with ${value.slice(0, 2)}, which is not a supply area (01..10)`,
      );
      return undefined;
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.object[key];
    if (value === undefined) return false;
    if (typeof value === 'boolean') return value;
    this.fail(key, `must be true or false, got ${describe(value)}`);
    return undefined;
  }

  date(key: string): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    // PostgreSQL has no year 0, which RFC 3339 allows.
    if (isCalendarDate(value) && !value.startsWith('0000')) return value;
    this.fail(key, `must be a calendar date written YYYY-MM-DD, got ${describe(value)}`);
    return undefined;
  }

  period(): { from: string; to: string } | undefined {
    const from = this.date('from');
    const to = this.date('to');
    if (from === undefined || to === undefined) return undefined;
    if (to < from) {
      this.fail('to', `${to} is before from (${from})`);
      return undefined;
    }
    return { from, to };
  }

  categories(): ConsentCategory[] | undefined {
    const value = this.object.categories;
    if (!Array.isArray(value)) {
      this.fail(
        'categories',
        `${value === undefined ? 'missing' : `got ${describe(value)}`}; expected a list such as ["meter-reading", "negawatt"]`,
      );
      return undefined;
    }
    if (value.length === 0) {
      this.fail('categories', `must name at least one category: ${listOf(CONSENT_CATEGORIES)}`);
      return undefined;
    }
    const categories: ConsentCategory[] = [];
    for (const [index, item] of value.entries()) {
      const category = CONSENT_CATEGORIES.find((c) => c === item);
      if (category === undefined) {
        this.fail(
          `categories[${index}]`,
          `unknown category ${describe(item)}; expected ${listOf(CONSENT_CATEGORIES)}`,
        );
        return undefined;
      }
      if (categories.includes(category)) {
        this.fail(`categories[${index}]`, `${category} is listed twice`);
        return undefined;
      }
      categories.push(category);
    }
    return categories;
  }

  /** null (or absent) while the consent is in force; otherwise an RFC 3339 instant. */
  revokedAt(): string | null | undefined {
    const value = this.object.revokedAt;
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && isRfc3339DateTime(value) && !value.startsWith('0000')) return value;
    this.fail(
      'revokedAt',
      `must be null or an RFC 3339 instant with a time zone, such as 2026-11-30T09:00:00+09:00, got ${describe(value)}`,
    );
    return undefined;
  }
}

/** A value quoted for an error message, cut short. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
