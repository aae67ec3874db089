import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { TIME_BOUND_DESCRIPTION } from '../http/openapi-common';
import { IsAfterFrom, IsTimeBound } from '../http/validators';

export class WindowQueryDto {
  @ApiPropertyOptional({
    description: `Records from this time. ${TIME_BOUND_DESCRIPTION}`,
    example: '2026-11-01',
  })
  @IsOptional()
  @IsTimeBound()
  from?: string;

  @ApiPropertyOptional({
    description: `Records before this time. ${TIME_BOUND_DESCRIPTION}`,
    example: '2026-11-30',
  })
  @IsOptional()
  @IsTimeBound()
  @IsAfterFrom()
  to?: string;
}

class RejectionCountDto {
  @ApiProperty({ description: 'A day in Japan (UTC+09:00).', example: '2026-11-27' })
  day!: string;

  @ApiProperty({ example: 'invalid-data' })
  reason!: string;

  @ApiProperty()
  count!: number;
}

class ReasonCountDto {
  @ApiProperty({ example: 'invalid-data' })
  reason!: string;

  @ApiProperty()
  count!: number;
}

class RejectionSummaryDto {
  @ApiProperty()
  auditId!: string;

  @ApiProperty({ example: '2026-11-27T05:00:01.234Z' })
  time!: string;

  @ApiProperty({ example: 'unparseable' })
  reason!: string;

  @ApiProperty({ type: String, nullable: true, example: 'jp.kyodo.meter-reading.v1' })
  type!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'urn:kyodo:party:TD03' })
  inboundSource!: string | null;

  @ApiProperty({ example: 'kyodo.in.TD03' })
  inboundTopic!: string;

  @ApiProperty()
  inboundPartition!: number;

  @ApiProperty({ description: 'Kafka offset, as a decimal string.' })
  inboundOffset!: string;
}

export class RejectionReportDto {
  @ApiProperty({ type: String, nullable: true })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true })
  to!: string | null;

  @ApiProperty({ type: [RejectionCountDto] })
  byDay!: RejectionCountDto[];

  @ApiProperty({ type: [ReasonCountDto], description: 'Most frequent first.' })
  byReason!: ReasonCountDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty({
    type: [RejectionSummaryDto],
    description: 'The most recent rejections, newest first: coordinates and reason, never the content.',
  })
  latest!: RejectionSummaryDto[];
}

class FieldCountDto {
  @ApiProperty({ example: 'customer.address' })
  field!: string;

  @ApiProperty({ description: 'Deliveries in which the field was delivered (or withheld).' })
  count!: number;
}

class MinimisationRowDto {
  @ApiProperty({ example: 'tdso' })
  recipientRole!: string;

  @ApiProperty({ example: 'td-operations' })
  purpose!: string;

  @ApiProperty()
  deliveries!: number;

  @ApiProperty({ description: 'Field paths delivered, summed over the deliveries.' })
  fieldsDelivered!: number;

  @ApiProperty({ description: 'Field paths present in the input but withheld, summed over the deliveries.' })
  fieldsWithheld!: number;

  @ApiProperty({ type: [FieldCountDto] })
  delivered!: FieldCountDto[];

  @ApiProperty({ type: [FieldCountDto] })
  withheld!: FieldCountDto[];
}

export class MinimisationReportDto {
  @ApiProperty({ type: String, nullable: true })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true })
  to!: string | null;

  @ApiProperty({ type: [MinimisationRowDto], description: 'By recipient role, then purpose.' })
  rows!: MinimisationRowDto[];
}
