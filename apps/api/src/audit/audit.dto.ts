import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Length, Matches, Max, Min } from 'class-validator';
import type { AuditOutcome } from '@kyodo/audit';
import { PARTY_ROLES } from '@kyodo/contracts';
import { PARTY_ID } from '../disclosures/disclosures.service';
import { TIME_BOUND_DESCRIPTION } from '../http/openapi-common';
import { IsAfterFrom, IsAuditCursor, IsTimeBound } from '../http/validators';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './audit-search.service';

const OUTCOMES = [
  'delivered',
  'rejected',
  'no-recipient',
  'acknowledged',
  'acted-for',
] as const satisfies readonly AuditOutcome[];

export class AuditQueryDto {
  @ApiPropertyOptional({
    description: 'Only records of deliveries to this party.',
    pattern: PARTY_ID.source,
    example: 'TD03',
  })
  @IsOptional()
  @Matches(PARTY_ID, { message: 'recipientId must be a party id such as TD03 (^[A-Z][A-Z0-9]{1,15}$)' })
  recipientId?: string;

  @ApiPropertyOptional({
    description: 'Only records of this event type.',
    example: 'jp.kyodo.meter-reading.v1',
  })
  @IsOptional()
  @Length(1, 200, { message: 'type must be an event type of 1..200 characters' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'type must be an event type such as jp.kyodo.meter-reading.v1 (letters, digits, dots, dashes)',
  })
  type?: string;

  @ApiPropertyOptional({
    description:
      'Only records of the inbound event with this id, as sent (a rejected record holds it as a keyed HMAC, which the search computes).',
    example: 'MR-03-2026-11-26',
  })
  @IsOptional()
  @Length(1, 256, { message: 'inboundId must be 1..256 characters' })
  inboundId?: string;

  @ApiPropertyOptional({
    description: 'Only records of inbound events with this source, as sent (matched like inboundId).',
    example: 'urn:kyodo:party:TD03',
  })
  @IsOptional()
  @Length(1, 256, { message: 'inboundSource must be 1..256 characters' })
  inboundSource?: string;

  @ApiPropertyOptional({ description: 'Only records with this outcome.', enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES, { message: `outcome must be one of ${OUTCOMES.join(', ')}` })
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ description: `Records from this time. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  from?: string;

  @ApiPropertyOptional({ description: `Records before this time. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  @IsAfterFrom()
  to?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page (opaque).' })
  @IsOptional()
  @IsAuditCursor()
  after?: string;

  @ApiPropertyOptional({
    description: 'Page size.',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  limit?: number;
}

export class AuditRecordDto {
  @ApiProperty({ description: 'Audit record id (deterministic from the inbound record and the recipient).' })
  id!: string;

  @ApiProperty({
    description: 'When the gateway decided (RFC 3339, UTC).',
    example: '2026-11-27T05:00:01.234Z',
  })
  time!: string;

  @ApiProperty({ type: String, nullable: true, description: "The inbound event's own time." })
  eventTime!: string | null;

  @ApiProperty({ example: 'kyodo.in.R0001' })
  inboundTopic!: string;

  @ApiProperty()
  inboundPartition!: number;

  @ApiProperty({ description: 'Kafka offset, as a decimal string.' })
  inboundOffset!: string;

  @ApiProperty({ type: String, nullable: true, example: 'urn:kyodo:party:R0001' })
  inboundSource!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'As sent; for a rejected record `hmac-sha256:<hex>` of it (it may hold personal data).',
  })
  inboundId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'jp.kyodo.meter-reading.v1' })
  type!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'HMAC-SHA256 (hex) of the supply point id under the audit key.',
  })
  supplyPointHmac!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'TD03' })
  recipientId!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: PARTY_ROLES })
  recipientRole!: string | null;

  @ApiProperty({ type: [String], example: ['area-tdso'] })
  relations!: string[];

  @ApiProperty({ type: [String], example: ['td-operations'] })
  purposes!: string[];

  @ApiProperty({ type: [String] })
  fieldsDelivered!: string[];

  @ApiProperty({ type: [String] })
  fieldsWithheld!: string[];

  @ApiProperty()
  policyVersion!: string;

  @ApiProperty({ enum: OUTCOMES })
  outcome!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Rejection reason.' })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The outbound CloudEvent id of a delivery.' })
  outboundId!: string | null;

  @ApiPropertyOptional({
    type: [String],
    description:
      'What a delivery to a third party rested on: `consent:<id>` and `agreement:<id>` entries (absent otherwise).',
    example: ['consent:C1', 'agreement:A1'],
  })
  basis?: string[];
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditRecordDto], description: 'By (time, id).' })
  items!: AuditRecordDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
