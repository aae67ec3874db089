import type { EventKind } from './events';

/**
 * The fields the contract names for each event type, as a tree. The policy compiles its allow-lists
 * against this catalogue ("every supplyPoint.* field" means these and nothing else), and the redactor
 * walks it: a field absent from the catalogue is never delivered to anyone.
 *
 * - `leaf`: a scalar (or null) that travels as is.
 * - `opaque`: any JSON value whose inner shape is free and travels whole where allowed (negawatt.*).
 * - `object`: only the named fields are known; any other key is unknown and withheld.
 * - `array`: every element has the shape `items`.
 */
export type FieldNode = LeafNode | OpaqueNode | ObjectNode | ArrayNode;
export interface LeafNode {
  readonly kind: 'leaf';
}
export interface OpaqueNode {
  readonly kind: 'opaque';
}
export interface ObjectNode {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, FieldNode>>;
}
export interface ArrayNode {
  readonly kind: 'array';
  readonly items: FieldNode;
}

const leaf: LeafNode = { kind: 'leaf' };
const opaque: OpaqueNode = { kind: 'opaque' };
const object = (fields: Record<string, FieldNode>): ObjectNode => ({ kind: 'object', fields });
const array = (items: FieldNode): ArrayNode => ({ kind: 'array', items });

export const FIELD_CATALOGUE: Readonly<Record<EventKind, ObjectNode>> = {
  'contract-switch': object({
    switchId: leaf,
    phase: leaf,
    fromRetailerId: leaf,
    toRetailerId: leaf,
    effectiveDate: leaf,
    lastResortSupply: leaf,
    customer: object({ name: leaf, address: leaf, phone: leaf, contractNumber: leaf }),
    supplyPoint: object({
      supplyPointId: leaf,
      area: leaf,
      remoteIsland: leaf,
      consignmentContractAmountKw: leaf,
      currentLimitA: leaf,
      serviceMenu: leaf,
      powerFactor: leaf,
      supplyMethod: leaf,
      contractDeterminationMethod: leaf,
      meter: object({ meterId: leaf, type: leaf, multiplier: leaf }),
      leadInPoleNumber: leaf,
      gridInterconnection: leaf,
      transferDate: leaf,
      meterReadingDate: leaf,
      contractStatus: leaf,
      decommissioningMethod: leaf,
    }),
  }),
  'meter-reading': object({
    retailerId: leaf,
    meterId: leaf,
    readingDate: leaf,
    intervalMinutes: leaf,
    intervals: array(object({ start: leaf, kwh: leaf })),
    totalKwh: leaf,
    customer: object({ contractNumber: leaf }),
  }),
  negawatt: object({
    contractorId: leaf,
    retailerId: leaf,
    dispatchId: leaf,
    date: leaf,
    negawatt: object({
      baseline: opaque,
      demandControl: opaque,
      supplyDemand: opaque,
      generationSales: opaque,
    }),
  }),
};
