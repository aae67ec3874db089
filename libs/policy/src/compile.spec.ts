import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectNode } from '@kyodo/contracts';
import { FIELD_CATALOGUE } from '@kyodo/contracts';
import type { PolicyDocument, PolicyEventDocument } from './index';
import { compilePolicy, loadPolicy, parsePolicyDocument, PolicyError, PURPOSES } from './index';

const defaults = loadPolicy();

/** The default document with one event kind replaced. */
function withEvent(kind: string, event: PolicyEventDocument | undefined): PolicyDocument {
  const events: Record<string, PolicyEventDocument> = { ...defaults.events };
  if (event === undefined) delete events[kind];
  else events[kind] = event;
  return { ...defaults, events };
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

const rule = (relation: string, purpose: string, fields: string[]) => ({ relation, purpose, fields });

describe('the default policy', () => {
  const policy = compilePolicy(defaults);

  it('is versioned and declares the six purposes in order', () => {
    expect(policy.version).toBe('2026-11-30.2');
    expect(policy.purposes).toEqual(PURPOSES);
  });

  it('keeps the rows of the contract table in order', () => {
    const rows = (kind: 'contract-switch' | 'meter-reading' | 'negawatt') =>
      policy.kinds[kind].rules.map((r) => `${r.relation}:${r.purpose}`);
    expect(rows('contract-switch')).toEqual([
      'occto:switching-agency',
      'contract-holder:switching-agency',
      'area-tdso:consignment-contract',
      'gaining-retailer:supply-point-confirmation',
    ]);
    expect(rows('meter-reading')).toEqual([
      'contract-retailer:td-operations',
      'area-tdso:td-operations',
      'enrolled-aggregator:negawatt-trading',
      'consented-third-party:third-party-consent',
    ]);
    expect(rows('negawatt')).toEqual([
      'contracted-aggregator:negawatt-trading',
      'area-tdso:negawatt-trading',
      'contract-retailer:negawatt-trading',
      'consented-third-party:third-party-consent',
    ]);
  });

  it('expands supplyPoint.* to every catalogued supplyPoint field, meter included', () => {
    const gaining = policy.kinds['contract-switch'].rules[3];
    const supplyPoint = gaining.fields.filter((f) => f.startsWith('supplyPoint.'));
    expect(supplyPoint).toHaveLength(18);
    expect(supplyPoint).toEqual(
      expect.arrayContaining(['supplyPoint.meter.meterId', 'supplyPoint.meter.multiplier']),
    );
    expect(gaining.fields.filter((f) => !f.startsWith('supplyPoint.'))).toEqual([
      'effectiveDate',
      'fromRetailerId',
      'phase',
      'switchId',
      'toRetailerId',
    ]);
  });

  it('lets a list travel with its catalogued element fields, and negawatt values whole', () => {
    expect(policy.kinds['meter-reading'].rules[2].fields).toEqual([
      'intervalMinutes',
      'intervals[].kwh',
      'intervals[].start',
      'readingDate',
      'retailerId',
      'totalKwh',
    ]);
    expect(policy.kinds.negawatt.rules[0].fields).toEqual([
      'contractorId',
      'date',
      'dispatchId',
      'negawatt.baseline',
      'negawatt.demandControl',
      'negawatt.generationSales',
      'negawatt.supplyDemand',
      'retailerId',
    ]);
  });

  it('precomputes a view for every combination of relations', () => {
    const kind = policy.kinds['contract-switch'];
    expect(kind.views).toHaveLength(16);
    // contract-holder (bit 1) and area-tdso (bit 2): purposes in row order.
    expect(kind.views[0b0110].relations).toEqual(['contract-holder', 'area-tdso']);
    expect(kind.views[0b0110].purposes).toEqual(['switching-agency', 'consignment-contract']);
    expect(kind.views[0b0101].purposes).toEqual(['switching-agency', 'consignment-contract']);
    expect(kind.views[0b0011].purposes).toEqual(['switching-agency']);
  });
});

describe('path syntax', () => {
  const compileRule = (fields: string[]) =>
    compilePolicy(
      withEvent('meter-reading', { identity: [], relations: [rule('area-tdso', 'td-operations', fields)] }),
    ).kinds['meter-reading'].rules[0].fields;

  it('selects one element field with list[].field', () => {
    expect(compileRule(['intervals[].kwh'])).toEqual(['intervals[].kwh']);
  });

  it('treats an object path and its wildcard alike', () => {
    expect(compileRule(['customer'])).toEqual(['customer.contractNumber']);
    expect(compileRule(['customer.*'])).toEqual(['customer.contractNumber']);
  });

  it('allows nothing but identity when a relation names no fields', () => {
    const policy = compilePolicy(
      withEvent('meter-reading', {
        identity: ['retailerId'],
        relations: [rule('area-tdso', 'td-operations', [])],
      }),
    );
    expect(policy.kinds['meter-reading'].rules[0].fields).toEqual(['retailerId']);
  });
});

describe('compile errors name the bad entry', () => {
  it.each<[string, PolicyEventDocument, string]>([
    [
      'an unknown relation',
      { identity: [], relations: [rule('neighbour', 'td-operations', [])] },
      'events.meter-reading.relations[0]: unknown relation "neighbour"',
    ],
    [
      'a relation that cannot hold for the kind',
      { identity: [], relations: [rule('gaining-retailer', 'td-operations', [])] },
      'events.meter-reading.relations[0]: relation "gaining-retailer" cannot hold for meter-reading',
    ],
    [
      'a relation listed twice',
      {
        identity: [],
        relations: [rule('area-tdso', 'td-operations', []), rule('area-tdso', 'td-operations', [])],
      },
      'events.meter-reading.relations[1]: relation "area-tdso" is listed twice',
    ],
    [
      'an unknown purpose',
      { identity: [], relations: [rule('area-tdso', 'marketing', [])] },
      'events.meter-reading.relations[0] (area-tdso): unknown purpose "marketing"',
    ],
    [
      'an unknown field',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['meterId', 'customer.email'])] },
      'events.meter-reading.relations[0] (area-tdso).fields[1] "customer.email": customer has no field "email"',
    ],
    [
      'an unknown top-level field',
      { identity: ['readingDay'], relations: [] },
      'events.meter-reading.identity[0] "readingDay": the data has no field "readingDay"',
    ],
    [
      'a path into a leaf',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['meterId.serial'])] },
      'meterId is not an object, it has no field "serial"',
    ],
    [
      'a path into a list without []',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['intervals.kwh'])] },
      'intervals is a list: write intervals[]',
    ],
    [
      'a bare wildcard',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['*'])] },
      '"*" must follow an object field',
    ],
    [
      'an empty path',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['customer.'])] },
      'customer has no field ""',
    ],
    [
      'a wildcard in the middle',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['*.kwh'])] },
      '"*" may only end a path',
    ],
    [
      'a wildcard on a leaf',
      { identity: [], relations: [rule('area-tdso', 'td-operations', ['meterId.*'])] },
      '"*" must follow an object field, and meterId is not one',
    ],
  ])('%s', (_name, event, message) => {
    const problems = problemsOf(() => compilePolicy(withEvent('meter-reading', event)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('rejects a path into an opaque negawatt value', () => {
    const doc = withEvent('negawatt', {
      identity: [],
      relations: [rule('area-tdso', 'negawatt-trading', ['negawatt.baseline.kw'])],
    });
    expect(problemsOf(() => compilePolicy(doc))).toEqual([
      'events.negawatt.relations[0] (area-tdso).fields[0] "negawatt.baseline.kw": negawatt.baseline is not an object, it has no field "kw"',
    ]);
  });

  it('rejects a purpose the document does not declare', () => {
    const doc = { ...defaults, purposes: defaults.purposes.filter((p) => p !== 'third-party-consent') };
    const problems = problemsOf(() => compilePolicy(doc));
    expect(problems).toEqual([
      'events.meter-reading.relations[3] (consented-third-party): purpose "third-party-consent" is not declared in purposes',
      'events.negawatt.relations[3] (consented-third-party): purpose "third-party-consent" is not declared in purposes',
    ]);
  });

  it('rejects unknown and repeated purposes, unknown and missing kinds, an empty version, all at once', () => {
    const events: Record<string, PolicyEventDocument> = {
      ...defaults.events,
      'meter-readings': defaults.events['meter-reading'],
    };
    delete events.negawatt;
    const doc: PolicyDocument = {
      version: ' ',
      purposes: [...defaults.purposes, 'marketing', 'td-operations'],
      events,
      source: 'bad.yaml',
    };
    let error: unknown;
    try {
      compilePolicy(doc);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual([
      'version: must be a non-empty string',
      'purposes[6] "marketing": unknown purpose (known: consignment-contract, switching-agency, supply-point-confirmation, td-operations, negawatt-trading, third-party-consent)',
      'purposes[7] "td-operations": listed twice',
      'events.meter-readings: unknown event kind (known: contract-switch, meter-reading, negawatt)',
      'events.negawatt: missing (every event kind needs an entry, even with no relations)',
    ]);
    expect((error as PolicyError).message).toMatch(/^bad\.yaml:\n {2}- version/);
  });

  it('compiles against the catalogue it is given', () => {
    const catalogue: Record<string, ObjectNode> = {
      ...FIELD_CATALOGUE,
      'meter-reading': {
        kind: 'object',
        fields: { ...FIELD_CATALOGUE['meter-reading'].fields, quality: { kind: 'leaf' } },
      },
    };
    const doc = withEvent('meter-reading', {
      identity: [],
      relations: [rule('area-tdso', 'td-operations', ['quality'])],
    });
    expect(problemsOf(() => compilePolicy(doc))[0]).toContain('"quality"');
    expect(
      compilePolicy(doc, catalogue as typeof FIELD_CATALOGUE).kinds['meter-reading'].rules[0].fields,
    ).toEqual(['quality']);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kyodo-policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('names the file it cannot read', () => {
    const path = join(dir, 'absent.yaml');
    expect(() => loadPolicy(path)).toThrow(`${path}: cannot read the policy file`);
  });

  it('names the file that is not YAML', () => {
    const path = write('broken.yaml', 'version: "1\nevents: [');
    expect(() => loadPolicy(path)).toThrow(`${path}: not valid YAML`);
  });

  it('names every entry of the wrong shape', () => {
    const path = write(
      'shape.yaml',
      [
        'purposes: td-operations',
        'events:',
        '  meter-reading:',
        '    identity: [retailerId, 7]',
        '    relations:',
        '      - { relation: area-tdso, purpose: td-operations, field: [meterId] }',
        '      - area-tdso',
        '  negawatt: { identity: [] }',
        'extra: true',
      ].join('\n'),
    );
    expect(problemsOf(() => loadPolicy(path))).toEqual([
      '(document): unknown key "extra" (expected version, purposes, events, notices)',
      'version: missing (a non-empty string, e.g. "2026-11-27.1")',
      'purposes: must be a list of strings',
      'events.meter-reading.identity[1]: must be a non-empty string',
      'events.meter-reading.senders: missing (a list of sender relations that may send meter-reading; [] lets nobody send it)',
      'events.meter-reading.relations[0]: unknown key "field" (expected relation, purpose, fields)',
      'events.meter-reading.relations[0].fields: missing (a list of strings)',
      'events.meter-reading.relations[1]: must be a mapping of relation, purpose, fields',
      'events.negawatt.senders: missing (a list of sender relations that may send negawatt; [] lets nobody send it)',
      'events.negawatt.relations: missing (a list of { relation, purpose, fields })',
    ]);
  });

  it('carries the file name to compile errors', () => {
    const path = write('names.yaml', 'version: "1"\npurposes: []\nevents: {}\n');
    const doc = loadPolicy(path);
    expect(doc.source).toBe(path);
    expect(() => compilePolicy(doc)).toThrow(`${path}:`);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf(() => parsePolicyDocument(['version']))).toEqual([
      '(document): must be a mapping of version, purposes, events, notices',
    ]);
  });
});
