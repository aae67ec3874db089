import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, NonEmptyString, OpaqueArray, OpaqueObject } from '../common';

/** The four negawatt items; their inner shape is free and each travels whole where it is allowed. */
export const NegawattItemsSchema = Type.Object({
  baseline: Type.Optional(OpaqueArray()),
  demandControl: Type.Optional(OpaqueObject()),
  supplyDemand: Type.Optional(OpaqueObject()),
  generationSales: Type.Optional(OpaqueObject()),
});

/** `jp.kyodo.negawatt.v1`: one demand-response dispatch at one supply point. */
export const NegawattDataSchema = Type.Object(
  {
    contractorId: NonEmptyString({ description: 'The contracted aggregator; a registered aggregator.' }),
    retailerId: NonEmptyString({ description: 'The contract retailer; a registered retailer.' }),
    dispatchId: NonEmptyString(),
    date: CalendarDate(),
    negawatt: Type.Optional(NegawattItemsSchema),
  },
  { description: 'One demand-response dispatch at one supply point.' },
);

export type NegawattItems = Static<typeof NegawattItemsSchema>;
export type NegawattData = Static<typeof NegawattDataSchema>;
