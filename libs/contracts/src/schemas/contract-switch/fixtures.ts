import type { InboundEvent } from '../../events';
import type { InvalidFixture } from '../common';
import type { ContractSwitchData, SupplyPoint } from './schema';

export const CONTRACT_SWITCH_FIXTURE_SUPPLY_POINT = '0300000000000000000001';

/** A realistic switch request from the gaining retailer R0002; the personal data is synthetic. */
export const validContractSwitchData: ContractSwitchData = {
  switchId: 'SW-20261127-000001',
  phase: 'requested',
  fromRetailerId: 'R0001',
  toRetailerId: 'R0002',
  effectiveDate: '2026-12-01',
  lastResortSupply: false,
  customer: {
    name: '山田 花子',
    address: '東京都世田谷区太子堂四丁目1番1号 コーポ三軒茶屋201',
    phone: '03-5555-0142',
    contractNumber: 'R0001-0012345678',
  },
  supplyPoint: {
    supplyPointId: CONTRACT_SWITCH_FIXTURE_SUPPLY_POINT,
    area: '03',
    remoteIsland: false,
    consignmentContractAmountKw: 6,
    currentLimitA: 30,
    serviceMenu: '従量電灯B',
    powerFactor: 100,
    supplyMethod: '低圧 単相3線式 100/200V',
    contractDeterminationMethod: 'アンペアブレーカー',
    meter: { meterId: 'M03-0012345678', type: 'smart', multiplier: 1 },
    leadInPoleNumber: '世田谷幹線42右3',
    gridInterconnection: false,
    transferDate: '2026-12-01',
    meterReadingDate: '2026-12-01',
    contractStatus: '契約中',
    decommissioningMethod: null,
  },
};

export const validContractSwitchEvent: InboundEvent = {
  specversion: '1.0',
  id: 'SW-20261127-000001-requested',
  source: 'urn:kyodo:party:R0002',
  type: 'jp.kyodo.contract-switch.v1',
  subject: CONTRACT_SWITCH_FIXTURE_SUPPLY_POINT,
  time: '2026-11-27T05:00:00Z',
  datacontenttype: 'application/json',
  data: validContractSwitchData,
};

/**
 * A switch cancelled by the gaining retailer before completion: no supply point block (the contract's
 * "(where present) supplyPoint.supplyPointId") and no customer block.
 */
export const validCancelledContractSwitchEvent: InboundEvent = {
  ...validContractSwitchEvent,
  id: 'SW-20261127-000001-cancelled',
  time: '2026-11-28T09:30:00+09:00',
  data: {
    switchId: validContractSwitchData.switchId,
    phase: 'cancelled',
    fromRetailerId: validContractSwitchData.fromRetailerId,
    toRetailerId: validContractSwitchData.toRetailerId,
    effectiveDate: validContractSwitchData.effectiveDate,
  },
};

/** The valid data with `patch` applied one level into `supplyPoint`/`customer` where named. */
function variant(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...validContractSwitchData, ...patch };
}
function supplyPoint(patch: Record<string, unknown>): Record<string, unknown> {
  return variant({ supplyPoint: { ...validContractSwitchData.supplyPoint, ...patch } });
}
function supplyPointWithout(key: keyof SupplyPoint): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validContractSwitchData.supplyPoint };
  delete copy[key];
  return variant({ supplyPoint: copy });
}
function without(key: keyof ContractSwitchData): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validContractSwitchData };
  delete copy[key];
  return copy;
}

/** Data that must be rejected when sent by R0002 with subject `CONTRACT_SWITCH_FIXTURE_SUPPLY_POINT`. */
export const invalidContractSwitchData: readonly InvalidFixture[] = [
  {
    name: 'switchId missing',
    value: without('switchId'),
    reason: 'invalid-data',
    message: 'data.switchId is required',
  },
  {
    name: 'switchId empty',
    value: variant({ switchId: '' }),
    reason: 'invalid-data',
    message: 'data.switchId',
  },
  {
    name: 'phase unknown',
    value: variant({ phase: 'approved' }),
    reason: 'invalid-data',
    message: 'data.phase must be one of',
  },
  {
    name: 'fromRetailerId missing',
    value: without('fromRetailerId'),
    reason: 'invalid-data',
    message: 'data.fromRetailerId is required',
  },
  {
    name: 'toRetailerId a number',
    value: variant({ toRetailerId: 2 }),
    reason: 'invalid-data',
    message: 'data.toRetailerId must be a string, got a number',
  },
  {
    name: 'effectiveDate missing',
    value: without('effectiveDate'),
    reason: 'invalid-data',
    message: 'data.effectiveDate is required',
  },
  {
    name: 'effectiveDate Nov 31',
    value: variant({ effectiveDate: '2026-11-31' }),
    reason: 'out-of-range',
    message: 'data.effectiveDate must be a real calendar date',
  },
  {
    name: 'effectiveDate with slashes',
    value: variant({ effectiveDate: '2026/12/01' }),
    reason: 'out-of-range',
    message: 'data.effectiveDate',
  },
  {
    name: 'lastResortSupply a string',
    value: variant({ lastResortSupply: 'no' }),
    reason: 'invalid-data',
    message: 'data.lastResortSupply must be a boolean, got a string of 2 characters',
  },
  {
    name: 'customer a string',
    value: variant({ customer: 'Yamada' }),
    reason: 'invalid-data',
    message: 'data.customer must be an object, got a string of 6 characters',
  },
  {
    name: 'customer.name a number',
    value: variant({ customer: { name: 42 } }),
    reason: 'invalid-data',
    message: 'data.customer.name must be a string, got a number',
  },
  {
    name: 'supplyPoint null',
    value: variant({ supplyPoint: null }),
    reason: 'invalid-data',
    message: 'data.supplyPoint must be an object, got null',
  },
  {
    name: 'supplyPoint a string',
    value: variant({ supplyPoint: CONTRACT_SWITCH_FIXTURE_SUPPLY_POINT }),
    reason: 'invalid-data',
    message: 'data.supplyPoint must be an object, got a string of 22 characters',
  },
  {
    name: 'supplyPoint.supplyPointId missing',
    value: variant({ supplyPoint: { area: '03' } }),
    reason: 'invalid-data',
    message: 'data.supplyPoint.supplyPointId is required',
  },
  {
    name: 'supplyPoint.supplyPointId missing from a full block',
    value: supplyPointWithout('supplyPointId'),
    reason: 'invalid-data',
    message: 'data.supplyPoint.supplyPointId is required',
  },
  {
    name: 'supplyPoint.area of another area',
    value: supplyPoint({ area: '04' }),
    reason: 'area-mismatch',
    message: 'data.supplyPoint.area disagrees with area 03 of the subject',
  },
  {
    name: 'supplyPoint.area not an area',
    value: supplyPoint({ area: '11' }),
    reason: 'area-mismatch',
    message: 'data.supplyPoint.area',
  },
  {
    name: 'supplyPoint.supplyPointId another id',
    value: supplyPoint({ supplyPointId: '0300000000000000000002' }),
    reason: 'key-mismatch',
    message: 'data.supplyPoint.supplyPointId does not equal subject',
  },
  {
    name: 'supplyPoint.remoteIsland a string',
    value: supplyPoint({ remoteIsland: 'false' }),
    reason: 'invalid-data',
    message: 'data.supplyPoint.remoteIsland must be a boolean, got a string of 5 characters',
  },
  {
    name: 'contract amount negative',
    value: supplyPoint({ consignmentContractAmountKw: -6 }),
    reason: 'out-of-range',
    message: 'data.supplyPoint.consignmentContractAmountKw must be >= 0, got a number out of that range',
  },
  {
    name: 'powerFactor above 100',
    value: supplyPoint({ powerFactor: 120 }),
    reason: 'out-of-range',
    message: 'data.supplyPoint.powerFactor must be <= 100, got a number out of that range',
  },
  {
    name: 'meter.multiplier zero',
    value: supplyPoint({ meter: { meterId: 'M1', multiplier: 0 } }),
    reason: 'out-of-range',
    message: 'data.supplyPoint.meter.multiplier must be > 0, got a number out of that range',
  },
  {
    name: 'transferDate Feb 29 of a common year',
    value: supplyPoint({ transferDate: '2026-02-29' }),
    reason: 'out-of-range',
    message: 'data.supplyPoint.transferDate',
  },
  {
    name: 'decommissioningMethod a number',
    value: supplyPoint({ decommissioningMethod: 0 }),
    reason: 'invalid-data',
    message: 'data.supplyPoint.decommissioningMethod must be a string or null, got a number',
  },
];
