import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAILBOX_DEFAULT_MAX, MAILBOX_MAX, MAILBOX_MAX_WAIT_SECONDS } from './mailbox.service';

export class MailboxQueryDto {
  @ApiPropertyOptional({
    description: `Most events in the bundle (1..${MAILBOX_MAX}). Ignored while a bundle is open: it is served as it is.`,
    minimum: 1,
    maximum: MAILBOX_MAX,
    default: MAILBOX_DEFAULT_MAX,
    example: 500,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'max must be a whole number' })
  @Min(1, { message: `max must be 1..${MAILBOX_MAX}` })
  @Max(MAILBOX_MAX, { message: `max must be 1..${MAILBOX_MAX}` })
  max?: number;

  @ApiPropertyOptional({
    description: `Seconds to hold the request (0..${MAILBOX_MAX_WAIT_SECONDS}) until an event arrives; it answers 204 if none does.`,
    minimum: 0,
    maximum: MAILBOX_MAX_WAIT_SECONDS,
    default: 0,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'wait must be a whole number of seconds' })
  @Min(0, { message: `wait must be 0..${MAILBOX_MAX_WAIT_SECONDS} seconds` })
  @Max(MAILBOX_MAX_WAIT_SECONDS, { message: `wait must be 0..${MAILBOX_MAX_WAIT_SECONDS} seconds` })
  wait?: number;
}

const EXAMPLE_EVENT = {
  specversion: '1.0',
  id: '6f1c2d9e-3b4a-5c6d-8e7f-901a2b3c4d5e',
  source: 'urn:kyodo:gateway',
  type: 'jp.kyodo.meter-reading.v1',
  subject: '0300000000000000000001',
  time: '2026-11-27T05:00:00Z',
  datacontenttype: 'application/json',
  kyodopurpose: 'td-operations',
  kyodopolicy: '2026-11-01',
  kyodoaudit: '0d7f4c1e-9a2b-5c3d-8e4f-5a6b7c8d9e0f',
  kyodoorigin: 'urn:kyodo:party:TD03',
  kyodooriginid: 'MR-TD03-0001',
  data: {
    retailerId: 'R0001',
    meterId: 'M1',
    readingDate: '2026-11-26',
    intervalMinutes: 30,
    intervals: [{ start: '2026-11-26T00:00:00+09:00', kwh: 0.42 }],
    totalKwh: 12.3,
    customer: { contractNumber: 'C-0001' },
  },
};

export class MailboxBundleDto {
  @ApiProperty({
    description:
      'Acknowledge it with DELETE /v1/mailbox/bundles/{bundleId}; until then every call serves it again.',
    format: 'uuid',
    example: '3b0d6a52-4f0e-4c1d-9a8b-2f6e1d7c5a90',
  })
  bundleId!: string;

  @ApiProperty({
    description:
      "The party's outbound CloudEvents, exactly as on its outbox kyodo.out.<party>, oldest first; never " +
      "one supply point's events out of order.",
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [EXAMPLE_EVENT],
  })
  messages!: unknown[];
}

export class InboxAcceptedDto {
  @ApiProperty({ description: 'The `id` of the event posted.', example: 'SW-R0001-0001' })
  id!: string;

  @ApiProperty({ enum: ['accepted'], example: 'accepted' })
  status!: 'accepted';
}

export const INBOX_EXAMPLE_EVENT = {
  specversion: '1.0',
  id: 'SW-R0002-0001',
  source: 'urn:kyodo:party:R0002',
  type: 'jp.kyodo.contract-switch.v1',
  subject: '0300000000000000000001',
  time: '2026-11-27T05:00:00Z',
  datacontenttype: 'application/json',
  data: {
    switchId: 'SW-1',
    phase: 'requested',
    fromRetailerId: 'R0001',
    toRetailerId: 'R0002',
    effectiveDate: '2026-12-01',
    lastResortSupply: false,
    customer: { name: 'Yamada Taro', address: 'Tokyo', phone: '03-0000-0000', contractNumber: 'C-0001' },
    supplyPoint: { supplyPointId: '0300000000000000000001', area: '03', remoteIsland: false },
  },
};
