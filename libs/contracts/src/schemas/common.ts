import { Type, type SchemaOptions, type TString, type TUnsafe } from '@sinclair/typebox';
import type { JsonObject } from '../events';
import type { RejectionReason } from '../rejections';

/** Building blocks shared by the contract schemas. Formats `date` and `date-time` are checked strictly. */

/** A string from a fixed list, as a flat JSON Schema `enum` (clearer errors than a union of literals). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** `YYYY-MM-DD`, a day that exists. */
export function CalendarDate(options: SchemaOptions = {}): TString {
  return Type.String({ ...options, format: 'date' });
}

/** RFC 3339 date-time with a time zone. */
export function DateTime(options: SchemaOptions = {}): TString {
  return Type.String({ ...options, format: 'date-time' });
}

export function NonEmptyString(options: SchemaOptions = {}): TString {
  return Type.String({ ...options, minLength: 1 });
}

/** A string or `null`, as one `type: ["string", "null"]` rather than an `anyOf`. */
export function NullableString(options: SchemaOptions = {}): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

/** Any JSON object; its inner shape is free (and never inspected by the validator). */
export function OpaqueObject(options: SchemaOptions = {}): TUnsafe<JsonObject> {
  return Type.Unsafe<JsonObject>({ ...options, type: 'object' });
}

/** Any JSON array; its elements' shape is free. */
export function OpaqueArray(options: SchemaOptions = {}): TUnsafe<unknown[]> {
  return Type.Unsafe<unknown[]>({ ...options, type: 'array' });
}

/** A supply point id: 22 digits, the first two the area `01`..`10`. */
export const SUPPLY_POINT_ID_SCHEMA_PATTERN = '^(?:0[1-9]|10)[0-9]{20}$';

/** An invalid example and the rejection it must earn; `message` is a fragment the message must contain. */
export interface InvalidFixture {
  readonly name: string;
  readonly value: unknown;
  readonly reason: RejectionReason;
  readonly message?: string;
}
