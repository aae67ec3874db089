/**
 * The contract's "Who receives what" table restated as plain data, with a deliberately simple
 * allow-list picker: an oracle written from CONTRACT.md, independent of libs/policy, that the
 * end-to-end tests compare the gateway's output against.
 */
import type { EventKind, JsonObject } from '@kyodo/contracts';

const SUPPLY_POINT = [
  'supplyPointId',
  'area',
  'remoteIsland',
  'consignmentContractAmountKw',
  'currentLimitA',
  'serviceMenu',
  'powerFactor',
  'supplyMethod',
  'contractDeterminationMethod',
  'meter.meterId',
  'meter.type',
  'meter.multiplier',
  'leadInPoleNumber',
  'gridInterconnection',
  'transferDate',
  'meterReadingDate',
  'contractStatus',
  'decommissioningMethod',
].map((f) => `supplyPoint.${f}`);
const NEGAWATT = ['baseline', 'demandControl', 'supplyDemand', 'generationSales'].map((f) => `negawatt.${f}`);
const INTERVALS = ['intervals[].start', 'intervals[].kwh'];

export const IDENTITY: Record<EventKind, string[]> = {
  'contract-switch': [
    'switchId',
    'phase',
    'fromRetailerId',
    'toRetailerId',
    'effectiveDate',
    'supplyPoint.supplyPointId',
  ],
  'meter-reading': ['retailerId', 'readingDate', 'intervalMinutes'],
  negawatt: ['contractorId', 'retailerId', 'dispatchId', 'date'],
};

/** [kind, relation, purpose, allowed paths], in the table's order. */
export const TABLE: [EventKind, string, string, string[]][] = [
  [
    'contract-switch',
    'occto',
    'switching-agency',
    ['customer.name', 'customer.contractNumber', 'supplyPoint.area', 'supplyPoint.remoteIsland'],
  ],
  [
    'contract-switch',
    'contract-holder',
    'switching-agency',
    ['customer.name', 'customer.address', 'customer.contractNumber'],
  ],
  [
    'contract-switch',
    'area-tdso',
    'consignment-contract',
    ['customer.name', 'customer.address', 'customer.phone', ...SUPPLY_POINT],
  ],
  ['contract-switch', 'gaining-retailer', 'supply-point-confirmation', SUPPLY_POINT],
  [
    'meter-reading',
    'contract-retailer',
    'td-operations',
    ['meterId', ...INTERVALS, 'totalKwh', 'customer.contractNumber'],
  ],
  ['meter-reading', 'area-tdso', 'td-operations', ['meterId', ...INTERVALS, 'totalKwh']],
  ['meter-reading', 'enrolled-aggregator', 'negawatt-trading', [...INTERVALS, 'totalKwh']],
  ['meter-reading', 'consented-third-party', 'third-party-consent', [...INTERVALS, 'totalKwh']],
  ['negawatt', 'contracted-aggregator', 'negawatt-trading', NEGAWATT],
  [
    'negawatt',
    'area-tdso',
    'negawatt-trading',
    ['negawatt.baseline', 'negawatt.demandControl', 'negawatt.supplyDemand'],
  ],
  ['negawatt', 'contract-retailer', 'negawatt-trading', ['negawatt.baseline', 'negawatt.demandControl']],
  [
    'negawatt',
    'consented-third-party',
    'third-party-consent',
    ['negawatt.baseline', 'negawatt.demandControl'],
  ],
];

export interface Expected {
  readonly data: JsonObject;
  readonly purposes: string;
}

/** What a party holding `relations` for an event of `kind` must receive, per the table. */
export function expectedFor(kind: EventKind, relations: string[], data: JsonObject): Expected {
  const rows = TABLE.filter(([k, r]) => k === kind && relations.includes(r));
  if (rows.length !== relations.length)
    throw new Error(`unknown relation in ${relations.join(',')} for ${kind}`);
  const paths = [...IDENTITY[kind], ...rows.flatMap(([, , , fields]) => fields)];
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
