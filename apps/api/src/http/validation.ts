import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * Query parameters are checked against their DTO: unknown parameters are refused, and a failure is a
 * 400 whose message names each offending parameter.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(describe(errors).join('; ')),
  });
}

function describe(errors: readonly ValidationError[], parent = ''): string[] {
  const messages: string[] = [];
  for (const error of errors) {
    const name = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      messages.push(
        constraint === 'whitelistValidation' ? `${name} is not a parameter of this endpoint` : message,
      );
    }
    if (error.children?.length) messages.push(...describe(error.children, name));
  }
  return messages;
}
