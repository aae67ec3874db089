import fc from 'fast-check';
import type {
  Consent,
  Enrollment,
  EventKind,
  InboundEvent,
  JsonObject,
  Party,
  RegistryData,
} from '@kyodo/contracts';
import { EVENT_TYPES, RegistrySnapshot } from '@kyodo/contracts';
import { CONTRACT_TABLE, IDENTITY_FIELDS, NEGAWATT_ITEMS } from '@kyodo/contracts/testing';
import { compilePolicy, evaluate, loadPolicy } from './index';

/**
 * The privacy promise, on random registries and random events with unknown fields injected at every
 * depth: nothing outside the contract's allow-list leaves, only related parties receive, the sender
 * never does. The expectations below are written from CONTRACT.md, not from the policy file.
 */

/** negawatt.* values are opaque: anything below an allowed one may travel. */
const OPAQUE = NEGAWATT_ITEMS;

interface Row {
  readonly relation: string;
  readonly purpose: string;
  readonly fields: readonly string[];
}

const rowsOf = (kind: EventKind): Row[] =>
  CONTRACT_TABLE.filter(([k]) => k === kind).map(([, relation, purpose, fields]) => ({
    relation,
    purpose,
    fields,
  }));

const CONTRACT: Record<EventKind, { identity: readonly string[]; rows: readonly Row[] }> = {
  'contract-switch': { identity: IDENTITY_FIELDS['contract-switch'], rows: rowsOf('contract-switch') },
  'meter-reading': { identity: IDENTITY_FIELDS['meter-reading'], rows: rowsOf('meter-reading') },
  negawatt: { identity: IDENTITY_FIELDS.negawatt, rows: rowsOf('negawatt') },
};

// ---- The reference: who is related, written straight from the contract's relation list. ----

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function referenceRelations(
  kind: EventKind,
  event: InboundEvent,
  registry: RegistryData,
  sender: string,
): Map<string, string[]> {
  const d = event.data;
  const party = (id: unknown, role: string): Party | undefined =>
    registry.parties.find((p) => p.id === id && p.role === role);
  const areaTdso = registry.parties.find((p) => p.role === 'tdso' && p.area === event.subject.slice(0, 2));
  const date = kind === 'meter-reading' ? d.readingDate : d.date;
  const covers = (from: string, to: string) => typeof date === 'string' && from <= date && date <= to;
  const byRelation: Record<string, (Party | undefined)[]> = {
    occto: [registry.parties.find((p) => p.role === 'occto')],
    'area-tdso': [areaTdso],
    'contract-holder': [
      d.lastResortSupply === true || (isObject(d.supplyPoint) && d.supplyPoint.remoteIsland === true)
        ? areaTdso
        : party(d.fromRetailerId, 'retailer'),
    ],
    'gaining-retailer': [party(d.toRetailerId, 'retailer')],
    'contract-retailer': [party(d.retailerId, 'retailer')],
    'contracted-aggregator': [party(d.contractorId, 'aggregator')],
    'enrolled-aggregator': registry.enrollments
      .filter((e) => e.supplyPointId === event.subject && covers(e.from, e.to))
      .map((e) => party(e.aggregatorId, 'aggregator')),
    'consented-third-party': registry.consents
      .filter(
        (c) =>
          c.supplyPointId === event.subject &&
          (c.categories as readonly string[]).includes(kind) &&
          covers(c.from, c.to) &&
          (c.revokedAt === null || Date.parse(c.revokedAt) > Date.parse(event.time)),
      )
      .map((c) => party(c.thirdPartyId, 'third-party')),
  };
  const related = new Map<string, string[]>();
  for (const row of CONTRACT[kind].rows) {
    for (const p of byRelation[row.relation]) {
      if (p === undefined || p.id === sender) continue;
      const relations = related.get(p.id) ?? [];
      if (!relations.includes(row.relation)) relations.push(row.relation);
      related.set(p.id, relations);
    }
  }
  return related;
}

function allowedFor(kind: EventKind, relations: readonly string[]): Set<string> {
  const allowed = new Set(CONTRACT[kind].identity);
  for (const row of CONTRACT[kind].rows)
    if (relations.includes(row.relation)) row.fields.forEach((f) => allowed.add(f));
  return allowed;
}

function isAllowed(path: string, allowed: Set<string>): boolean {
  if (allowed.has(path)) return true;
  return OPAQUE.some((o) => allowed.has(o) && (path.startsWith(`${o}.`) || path.startsWith(`${o}[]`)));
}

/** Paths of the scalars and nulls in a value; list elements as `name[]`. */
function leafPaths(value: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v) => leafPaths(v, `${path}[]`, out));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) leafPaths(v, path === '' ? k : `${path}.${k}`, out);
  else out.push(path);
  return out;
}

function fail(message: string): never {
  throw new Error(message);
}

function valueAt(data: JsonObject, path: string): { found: boolean; value?: unknown } {
  let node: unknown = data;
  for (const key of path.split('.')) {
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}

// ---- Generators ----

const MARKER = 'UNKNOWN-MARKER';
const ROLE_IDS = {
  retailer: ['R0001', 'R0002', 'R0003'],
  tdso: ['TD01', 'TD03', 'TD10'],
  occto: ['OCCTO'],
  aggregator: ['DR001', 'DR002', 'DR003'],
  'third-party': ['TP001', 'TP002', 'TP003'],
} as const;
const ALL_IDS = Object.values(ROLE_IDS).flat();
const SUPPLY_POINTS = [
  '0300000000000000000001',
  '0300000000000000000002',
  '1000000000000000000003',
  '0500000000000000000004',
];
const DATES = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'];
const BASE_MS = Date.parse('2026-11-27T05:00:00Z');

function instant(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${local}${offsetMinutes > 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const instantArb = fc
  .tuple(fc.constantFrom(-1000, 0, 1000), fc.constantFrom(0, 540, -300))
  .map(([delta, offset]) => instant(BASE_MS + delta, offset));
const dateArb = fc.constantFrom(...DATES);
const partyRef = fc.constantFrom(...ALL_IDS, 'X9999');

const partiesArb = fc
  .tuple(
    fc.subarray([...ROLE_IDS.retailer]),
    fc.subarray([...ROLE_IDS.tdso]),
    fc.subarray([...ROLE_IDS.occto]),
    fc.subarray([...ROLE_IDS.aggregator]),
    fc.subarray([...ROLE_IDS['third-party']]),
  )
  .map(([retailers, tdsos, occto, aggregators, thirdParties]): Party[] => [
    ...retailers.map((id) => ({ id, role: 'retailer' as const, name: id })),
    ...tdsos.map((id) => ({ id, role: 'tdso' as const, name: id, area: id.slice(2) as '01' | '03' | '10' })),
    ...occto.map((id) => ({ id, role: 'occto' as const, name: id })),
    ...aggregators.map((id) => ({ id, role: 'aggregator' as const, name: id })),
    ...thirdParties.map((id) => ({ id, role: 'third-party' as const, name: id })),
  ]);

const window = fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));
const enrollmentArb: fc.Arbitrary<Enrollment> = fc
  .tuple(partyRef, fc.constantFrom(...SUPPLY_POINTS), window)
  .map(([aggregatorId, supplyPointId, w]) => ({ aggregatorId, supplyPointId, ...w }));
const consentArb: fc.Arbitrary<Consent> = fc
  .tuple(
    partyRef,
    fc.constantFrom(...SUPPLY_POINTS),
    fc.subarray(['meter-reading', 'negawatt'] as const),
    window,
    fc.option(instantArb, { nil: null }),
  )
  .map(([thirdPartyId, supplyPointId, categories, w, revokedAt]) => ({
    id: `C-${thirdPartyId}`,
    thirdPartyId,
    supplyPointId,
    categories,
    ...w,
    revokedAt,
  }));
const registryArb: fc.Arbitrary<RegistryData> = fc.record({
  parties: partiesArb,
  enrollments: fc.array(enrollmentArb, { maxLength: 6 }),
  consents: fc.array(consentArb, { maxLength: 6 }),
});

/** A value no recipient may ever see, because no catalogued field of that shape holds it. */
const hiddenIn = (n: number): unknown[] => [
  { hidden: `${MARKER}-${n}` },
  [`${MARKER}-${n}`],
  { a: { b: [`${MARKER}-${n}`] } },
];
const secretStructure = fc.nat(9999).chain((n) => fc.constantFrom(...hiddenIn(n)));
const secret = fc.nat(9999).chain((n) => fc.constantFrom(`${MARKER}-${n}`, ...hiddenIn(n)));
/** Unknown keys, never catalogued anywhere. */
const unknowns = fc.dictionary(fc.constantFrom('zzExtra', 'zz_note', 'zz.dotted', 'zzDeep'), secret, {
  maxKeys: 2,
});
const withUnknowns = (known: fc.Arbitrary<JsonObject>): fc.Arbitrary<JsonObject> =>
  fc.tuple(unknowns, known, fc.boolean()).map(([u, k, first]) => (first ? { ...u, ...k } : { ...k, ...u }));
/** A catalogued scalar: its value, null, or now and then an object or list hiding a secret. */
const scalar = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: arb, weight: 8 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: secretStructure, weight: 1 },
  );
const text = fc.constantFrom('a', 'Yamada Hanako', '1-2-3 Shibuya', '03-1234-5678', 'C-0001', 'smart');
const num = fc.integer({ min: 0, max: 100 });
/** A catalogued object: usually the object, now and then the wrong shape. */
const objectOr = (known: fc.Arbitrary<JsonObject>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: withUnknowns(known), weight: 9 }, { arbitrary: secret, weight: 1 });
const fields = (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<JsonObject> =>
  fc.record(model, { requiredKeys: [] });

const contractSwitchData = withUnknowns(
  fields({
    switchId: scalar(text),
    phase: scalar(fc.constantFrom('requested', 'accepted', 'completed')),
    fromRetailerId: scalar(partyRef),
    toRetailerId: scalar(partyRef),
    effectiveDate: scalar(dateArb),
    lastResortSupply: scalar(fc.boolean()),
    customer: objectOr(
      fields({
        name: scalar(text),
        address: scalar(text),
        phone: scalar(text),
        contractNumber: scalar(text),
      }),
    ),
    supplyPoint: objectOr(
      fields({
        supplyPointId: scalar(fc.constantFrom(...SUPPLY_POINTS)),
        area: scalar(fc.constantFrom('03', '10')),
        remoteIsland: scalar(fc.boolean()),
        consignmentContractAmountKw: scalar(num),
        currentLimitA: scalar(num),
        serviceMenu: scalar(text),
        powerFactor: scalar(num),
        supplyMethod: scalar(text),
        contractDeterminationMethod: scalar(text),
        meter: objectOr(fields({ meterId: scalar(text), type: scalar(text), multiplier: scalar(num) })),
        leadInPoleNumber: scalar(text),
        gridInterconnection: scalar(fc.boolean()),
        transferDate: scalar(dateArb),
        meterReadingDate: scalar(dateArb),
        contractStatus: scalar(text),
        decommissioningMethod: scalar(text),
      }),
    ),
  }),
);
const interval = fc.oneof(
  { arbitrary: withUnknowns(fields({ start: scalar(instantArb), kwh: scalar(num) })), weight: 9 },
  { arbitrary: secret, weight: 1 },
);
const meterReadingData = withUnknowns(
  fields({
    retailerId: scalar(partyRef),
    meterId: scalar(text),
    readingDate: scalar(dateArb),
    intervalMinutes: scalar(fc.constant(30)),
    intervals: fc.oneof(
      { arbitrary: fc.array(interval, { maxLength: 4 }), weight: 9 },
      { arbitrary: secret, weight: 1 },
    ),
    totalKwh: scalar(num),
    customer: objectOr(fields({ contractNumber: scalar(text) })),
  }),
);
const opaque = fc.oneof(
  fc.constant(null),
  fc.array(fc.record({ start: instantArb, kw: num }), { maxLength: 3 }),
  fc.record({ kw: num, note: text }),
);
const negawattData = withUnknowns(
  fields({
    contractorId: scalar(partyRef),
    retailerId: scalar(partyRef),
    dispatchId: scalar(text),
    date: scalar(dateArb),
    negawatt: objectOr(
      fields({ baseline: opaque, demandControl: opaque, supplyDemand: opaque, generationSales: opaque }),
    ),
  }),
);
const DATA: Record<EventKind, fc.Arbitrary<JsonObject>> = {
  'contract-switch': contractSwitchData,
  'meter-reading': meterReadingData,
  negawatt: negawattData,
};

const scenarioArb = fc.constantFrom<EventKind>('contract-switch', 'meter-reading', 'negawatt').chain((kind) =>
  fc.record({
    kind: fc.constant(kind),
    registry: registryArb,
    sender: partyRef,
    subject: fc.constantFrom(...SUPPLY_POINTS),
    time: instantArb,
    data: DATA[kind],
  }),
);

const policy = compilePolicy(loadPolicy());

it('delivers nothing outside the allow-list, only to related parties, never back to the sender', () => {
  fc.assert(
    fc.property(scenarioArb, ({ kind, registry, sender, subject, time, data }) => {
      const event: InboundEvent = {
        specversion: '1.0',
        id: 'e-1',
        source: `urn:kyodo:party:${sender}`,
        type: EVENT_TYPES[kind],
        subject,
        time,
        data,
      };
      const decision = evaluate(policy, event, kind, new RegistrySnapshot(registry), { sender });

      const expected = referenceRelations(kind, event, registry, sender);
      expect(decision.deliveries.map((d) => [d.recipient.id, d.relations])).toEqual(
        [...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      );
      expect(JSON.stringify(decision)).not.toContain(MARKER);

      for (const delivery of decision.deliveries) {
        const to = delivery.recipient.id;
        if (to === sender) fail(`${to} received its own event`);
        const relations: readonly string[] = delivery.relations;
        const rows = CONTRACT[kind].rows.filter((r) => relations.includes(r.relation));
        expect(delivery.purposes).toEqual([...new Set(rows.map((r) => r.purpose))]);

        const allowed = allowedFor(kind, delivery.relations);
        for (const path of leafPaths(delivery.data, '', [])) {
          if (!isAllowed(path, allowed)) fail(`${path} delivered to ${to}`);
        }
        for (const path of delivery.fieldsDelivered)
          if (!allowed.has(path)) fail(`${path} listed as delivered to ${to}`);
        // Nothing allowed and well-formed is lost on the way.
        for (const path of allowed) {
          const input = valueAt(data, path);
          const scalarOrOpaque =
            OPAQUE.includes(path) || typeof input.value !== 'object' || input.value === null;
          if (path.includes('[]') || !input.found || !scalarOrOpaque) continue;
          const output = valueAt(delivery.data, path);
          const same = output.found && JSON.stringify(output.value) === JSON.stringify(input.value);
          if (!same) fail(`${path} lost for ${to}`);
        }
        for (const list of [delivery.fieldsDelivered, delivery.fieldsWithheld]) {
          const sortedAndDistinct = list.every((p, i) => i === 0 || list[i - 1] < p);
          if (!sortedAndDistinct) fail(`not sorted and distinct: ${list.join(', ')}`);
        }
      }
    }),
    { numRuns: 3000 },
  );
});
