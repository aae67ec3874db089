import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { isAuditCursor } from '../audit/audit-search.service';
import { isTimeBound, resolveTimeBound } from '../time-bounds';

/** An RFC 3339 date-time or a YYYY-MM-DD date. */
export function IsTimeBound(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeBound',
      validator: {
        validate: (value) => isTimeBound(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be an RFC 3339 date-time with a time zone (2026-11-27T05:00:00Z) or a YYYY-MM-DD date`,
      },
    },
    options,
  );
}

/** This bound (`to`) lies after the `from` bound of the same query, when both are valid. */
export function IsAfterFrom(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAfterFrom',
      validator: {
        validate: (value, args) => {
          const from = (args?.object as { from?: unknown } | undefined)?.from;
          if (!isTimeBound(from) || !isTimeBound(value)) return true;
          try {
            return Date.parse(resolveTimeBound(from, 'from')) < Date.parse(resolveTimeBound(value, 'to'));
          } catch {
            return true; // out of range: the service names the bound
          }
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'to'} must be later than from`,
      },
    },
    options,
  );
}

/** A `nextCursor` returned by the audit search. */
export function IsAuditCursor(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAuditCursor',
      validator: {
        validate: (value) => isAuditCursor(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'after'} must be a nextCursor returned by this endpoint`,
      },
    },
    options,
  );
}
