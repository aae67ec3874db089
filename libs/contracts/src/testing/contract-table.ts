import type { EventKind } from '../events';

/**
 * The contract's "Who receives what" table (CONTRACT.md) restated as plain data for tests: an oracle
 * written from the contract, independent of the policy file and engine, that the policy property
 * test, the gateway end-to-end test and the audit tests compare the real output against.
 */

/** "Every supplyPoint.* field": the fields the contract names, inside `meter` too. */
export const SUPPLY_POINT_FIELDS: readonly string[] = [
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

export const INTERVAL_FIELDS: readonly string[] = ['intervals[].start', 'intervals[].kwh'];

/** "Every negawatt.* field": opaque values that travel whole. */
export const NEGAWATT_ITEMS: readonly string[] = [
  'baseline',
  'demandControl',
  'supplyDemand',
  'generationSales',
].map((f) => `negawatt.${f}`);

/** Routing identity: always kept for every recipient. */
export const IDENTITY_FIELDS: Readonly<Record<EventKind, readonly string[]>> = {
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

export type ContractRow = readonly [
  kind: EventKind,
  relation: string,
  purpose: string,
  fields: readonly string[],
];

/** The table's rows in its order, which is also the order of purposes on a delivery. */
export const CONTRACT_TABLE: readonly ContractRow[] = [
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
    ['customer.name', 'customer.address', 'customer.phone', ...SUPPLY_POINT_FIELDS],
  ],
  ['contract-switch', 'gaining-retailer', 'supply-point-confirmation', SUPPLY_POINT_FIELDS],
  [
    'meter-reading',
    'contract-retailer',
    'td-operations',
    ['meterId', ...INTERVAL_FIELDS, 'totalKwh', 'customer.contractNumber'],
  ],
  ['meter-reading', 'area-tdso', 'td-operations', ['meterId', ...INTERVAL_FIELDS, 'totalKwh']],
  ['meter-reading', 'enrolled-aggregator', 'negawatt-trading', [...INTERVAL_FIELDS, 'totalKwh']],
  ['meter-reading', 'consented-third-party', 'third-party-consent', [...INTERVAL_FIELDS, 'totalKwh']],
  ['negawatt', 'contracted-aggregator', 'negawatt-trading', NEGAWATT_ITEMS],
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

/**
 * Who may send each event type (contract v1.1, `sender-not-allowed`), restated as data: a party of
 * `role` may send it when `by` holds: the data field it names equals the party's id, `area` the
 * supply point's area is the party's, `any` always. A suspended party may send nothing.
 */
export type ContractSender = readonly [role: 'retailer' | 'tdso' | 'occto' | 'aggregator', by: string];

export const CONTRACT_SENDERS: Readonly<Record<EventKind, readonly ContractSender[]>> = {
  'contract-switch': [
    ['retailer', 'fromRetailerId'],
    ['retailer', 'toRetailerId'],
    ['tdso', 'area'],
    ['occto', 'any'],
  ],
  'meter-reading': [['tdso', 'area']],
  negawatt: [
    ['aggregator', 'contractorId'],
    ['tdso', 'area'],
  ],
};
