import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PARTY_ROLES } from '@kyodo/contracts';
import { TIME_BOUND_DESCRIPTION } from '../http/openapi-common';
import { IsAfterFrom, IsTimeBound } from '../http/validators';
import { PARTY_ID, SUPPLY_POINT_ID } from './disclosures.service';

export const DISCLOSURE_FORMATS = ['json', 'csv'] as const;
export type DisclosureFormat = (typeof DISCLOSURE_FORMATS)[number];

export class DisclosuresQueryDto {
  @ApiProperty({
    description: 'The supply point: 22 digits, the first two its area (01..10).',
    example: '0300000000000000000001',
    pattern: SUPPLY_POINT_ID.source,
  })
  @Matches(SUPPLY_POINT_ID, { message: 'supplyPointId must be 22 digits, the first two an area 01..10' })
  supplyPointId!: string;

  @ApiPropertyOptional({
    description: `Deliveries from this time. ${TIME_BOUND_DESCRIPTION}`,
    example: '2026-11-01',
  })
  @IsOptional()
  @IsTimeBound()
  from?: string;

  @ApiPropertyOptional({
    description: `Deliveries before this time. ${TIME_BOUND_DESCRIPTION}`,
    example: '2026-11-30',
  })
  @IsOptional()
  @IsTimeBound()
  @IsAfterFrom()
  to?: string;

  @ApiPropertyOptional({
    description: 'Only deliveries to this party.',
    example: 'TD03',
    pattern: PARTY_ID.source,
  })
  @IsOptional()
  @Matches(PARTY_ID, { message: 'recipientId must be a party id such as TD03 (^[A-Z][A-Z0-9]{1,15}$)' })
  recipientId?: string;

  @ApiPropertyOptional({
    description: 'json (default), or csv with a header row and list values joined by spaces.',
    enum: DISCLOSURE_FORMATS,
    default: 'json',
  })
  @IsOptional()
  @IsIn(DISCLOSURE_FORMATS, { message: 'format must be json or csv' })
  format?: DisclosureFormat;
}

export class DisclosureDto {
  @ApiProperty({
    description: 'When the gateway delivered (RFC 3339, UTC).',
    example: '2026-11-27T05:00:01.234Z',
  })
  time!: string;

  @ApiProperty({ example: 'TD03' })
  recipientId!: string;

  @ApiProperty({ enum: PARTY_ROLES, example: 'tdso' })
  recipientRole!: string;

  @ApiProperty({ type: [String], description: 'Purposes of use that applied.', example: ['td-operations'] })
  purposes!: string[];

  @ApiProperty({
    type: [String],
    description: 'Field paths delivered.',
    example: ['meterId', 'intervals', 'totalKwh'],
  })
  fieldsDelivered!: string[];

  @ApiProperty({
    type: [String],
    description: 'Field paths present but withheld.',
    example: ['customer.contractNumber'],
  })
  fieldsWithheld!: string[];

  @ApiProperty({ example: '2026-11-01' })
  policyVersion!: string;

  @ApiProperty({ description: 'The audit record of this delivery.' })
  auditId!: string;

  @ApiProperty({ example: 'jp.kyodo.meter-reading.v1' })
  eventType!: string;

  @ApiProperty({ description: "The id of the outbound CloudEvent on the recipient's outbox." })
  outboundId!: string;

  @ApiProperty({
    type: [String],
    description: 'The consents a delivery to a third party rested on (empty for other deliveries).',
    example: ['C1'],
  })
  consentIds!: string[];

  @ApiProperty({
    type: [String],
    description:
      'The agreements on data protection in force that it rested on (empty where the registry lists none).',
    example: ['A1'],
  })
  agreementIds!: string[];
}

export class NoticeStatusDto {
  @ApiProperty({ description: 'The id of the jp.kyodo.subject-notice.v1 event.' })
  noticeId!: string;
  @ApiProperty({ description: "The privacy officer's case reference.", example: 'REQ-2026-0042' })
  reference!: string;
  @ApiProperty({ type: [String], example: ['subject-correction'] })
  purposes!: string[];
  @ApiProperty({ example: 'TD03' })
  recipientId!: string;
  @ApiProperty({ enum: PARTY_ROLES })
  recipientRole!: string;
  @ApiProperty({ description: 'When the notice was sent (RFC 3339, UTC).' })
  sentAt!: string;
  @ApiProperty({ enum: ['pending', 'acknowledged'] })
  status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'When the recipient acknowledged it.' })
  acknowledgedAt!: string | null;
  @ApiProperty({ description: 'The audit record id of the notice.' })
  auditId!: string;
}

export class DisclosureReportDto {
  @ApiProperty({ example: '0300000000000000000001' })
  supplyPointId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The window start as an instant (dates resolved).',
  })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The window end (exclusive) as an instant.' })
  to!: string | null;

  @ApiProperty({ type: String, nullable: true })
  recipientId!: string | null;

  @ApiProperty({ type: [DisclosureDto], description: 'By time, then audit id.' })
  items!: DisclosureDto[];

  @ApiProperty({
    type: [NoticeStatusDto],
    description:
      "Subject notices about the supply point (a customer's correction or deletion request passed on).",
  })
  notices!: NoticeStatusDto[];
}
