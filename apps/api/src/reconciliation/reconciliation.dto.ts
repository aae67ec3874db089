import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { TIME_BOUND_DESCRIPTION } from '../http/openapi-common';
import { IsAfterFrom, IsTimeBound } from '../http/validators';

export class ReconciliationQueryDto {
  @ApiPropertyOptional({ description: `Window start; open when omitted. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  from?: string;

  @ApiPropertyOptional({ description: `Window end; open when omitted. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  @IsAfterFrom()
  to?: string;
}

export class ReconciliationWindowDto {
  @ApiProperty({ type: String, nullable: true })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true })
  to!: string | null;

  @ApiProperty({
    description: 'Margin at each edge within which the other side is still looked up.',
    example: 300,
  })
  graceSeconds!: number;
}

export class RecordPositionDto {
  @ApiProperty()
  topic!: string;

  @ApiProperty()
  partition!: number;

  @ApiProperty()
  offset!: string;
}

export class TrimmedOutboxDto {
  @ApiProperty()
  topic!: string;

  @ApiProperty({
    description: 'Deliveries before this instant can no longer be checked against this outbox.',
  })
  completeSince!: string;
}

export class ReconciliationReportDto {
  @ApiProperty({ type: ReconciliationWindowDto })
  window!: ReconciliationWindowDto;

  @ApiProperty({ description: 'Deliveries the audit trail records in the window (by audit time).' })
  auditDeliveries!: number;

  @ApiProperty({ description: 'Outbound events in the outboxes in the window (by Kafka timestamp).' })
  outboxEvents!: number;

  @ApiProperty({
    type: [String],
    description: 'Outbound ids the audit trail records as delivered that no outbox holds.',
  })
  missingFromOutbox!: string[];

  @ApiProperty({
    type: [String],
    description: 'Outbound ids in an outbox without the audit record their kyodoaudit names.',
  })
  missingFromAudit!: string[];

  @ApiProperty({ type: [RecordPositionDto], description: 'Outbox records that are not outbound events.' })
  unreadable!: RecordPositionDto[];

  @ApiProperty({ type: [TrimmedOutboxDto] })
  trimmedOutboxes!: TrimmedOutboxDto[];

  @ApiProperty({ description: 'Deliveries too old to check: retention removed them from their outbox.' })
  notVerifiable!: number;

  @ApiProperty({ description: 'True when both sides agree.' })
  ok!: boolean;
}
