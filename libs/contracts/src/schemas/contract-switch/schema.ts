import { Type, type Static } from '@sinclair/typebox';
import { AREA_CODES } from '../../registry';
import {
  CalendarDate,
  NonEmptyString,
  NullableString,
  StringEnum,
  SUPPLY_POINT_ID_SCHEMA_PATTERN,
} from '../common';

export const CONTRACT_SWITCH_PHASES = [
  'requested',
  'accepted',
  'rejected',
  'completed',
  'cancelled',
] as const;
export type ContractSwitchPhase = (typeof CONTRACT_SWITCH_PHASES)[number];

export const ContractSwitchCustomerSchema = Type.Object({
  name: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  phone: Type.Optional(Type.String()),
  contractNumber: Type.Optional(Type.String()),
});

export const MeterSchema = Type.Object({
  meterId: Type.Optional(Type.String()),
  type: Type.Optional(Type.String({ description: 'e.g. "smart"' })),
  multiplier: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});

export const SupplyPointSchema = Type.Object({
  supplyPointId: Type.String({ pattern: SUPPLY_POINT_ID_SCHEMA_PATTERN, description: 'Equals the subject.' }),
  area: Type.Optional(StringEnum(AREA_CODES, { description: 'Equals the first two digits of the id.' })),
  remoteIsland: Type.Optional(Type.Boolean()),
  consignmentContractAmountKw: Type.Optional(Type.Number({ minimum: 0 })),
  currentLimitA: Type.Optional(Type.Number({ minimum: 0 })),
  serviceMenu: Type.Optional(Type.String()),
  powerFactor: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Percent.' })),
  supplyMethod: Type.Optional(Type.String()),
  contractDeterminationMethod: Type.Optional(Type.String()),
  meter: Type.Optional(MeterSchema),
  leadInPoleNumber: Type.Optional(Type.String()),
  gridInterconnection: Type.Optional(Type.Boolean()),
  transferDate: Type.Optional(CalendarDate()),
  meterReadingDate: Type.Optional(CalendarDate()),
  contractStatus: Type.Optional(Type.String()),
  decommissioningMethod: Type.Optional(NullableString()),
});

/**
 * `jp.kyodo.contract-switch.v1`: retail switching and consignment contract changes. `supplyPoint` may be
 * absent (a `cancelled` phase, say, carries no supply point block); when present, its `supplyPointId`
 * is required and must equal the subject, and its `area` the subject's area.
 */
export const ContractSwitchDataSchema = Type.Object(
  {
    switchId: NonEmptyString(),
    phase: StringEnum(CONTRACT_SWITCH_PHASES),
    fromRetailerId: NonEmptyString({ description: 'A registered retailer (losing retailer).' }),
    toRetailerId: NonEmptyString({ description: 'A registered retailer (gaining retailer).' }),
    effectiveDate: CalendarDate(),
    lastResortSupply: Type.Optional(Type.Boolean()),
    customer: Type.Optional(ContractSwitchCustomerSchema),
    supplyPoint: Type.Optional(SupplyPointSchema),
  },
  { description: 'Retail switching; consignment contract changes.' },
);

export type ContractSwitchCustomer = Static<typeof ContractSwitchCustomerSchema>;
export type SupplyPoint = Static<typeof SupplyPointSchema>;
export type ContractSwitchData = Static<typeof ContractSwitchDataSchema>;
