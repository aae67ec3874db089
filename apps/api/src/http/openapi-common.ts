import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** Name of the bearer security scheme in the OpenAPI document. */
export const API_KEY_SCHEME = 'api-key';

export const TIME_BOUND_DESCRIPTION =
  'An RFC 3339 date-time with a time zone, or a YYYY-MM-DD date taken as a day in Japan (UTC+09:00). ' +
  '`from` is inclusive; `to` is exclusive for a date-time and includes the whole day for a date.';

export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'supplyPointId must be 22 digits, the first two an area 01..10' })
  message!: string;
}

/** The security scheme and the error answers every /v1/ endpoint shares. */
export function V1Endpoint(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(API_KEY_SCHEME),
    ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is invalid; the message names it.' }),
    ApiUnauthorizedResponse({ type: ErrorDto, description: 'No API key, or an unknown or revoked one.' }),
    ApiForbiddenResponse({ type: ErrorDto, description: "The API key's role may not use this endpoint." }),
  );
}

export function DependsOnKafka(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiServiceUnavailableResponse({ type: ErrorDto, description: 'Kafka could not be read.' }),
  );
}
