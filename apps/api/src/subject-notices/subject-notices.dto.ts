import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { SUBJECT_NOTICE_KINDS, SUBJECT_NOTICE_REFERENCE_PATTERN } from '@kyodo/contracts';
import { TIME_BOUND_DESCRIPTION } from '../http/openapi-common';
import { IsAfterFrom, IsTimeBound } from '../http/validators';
import { SUPPLY_POINT_ID } from '../disclosures/disclosures.service';

export class SubjectNoticeRequestDto {
  @ApiProperty({ description: 'What the customer asked for.', enum: SUBJECT_NOTICE_KINDS })
  @IsIn(SUBJECT_NOTICE_KINDS, { message: `kind must be one of ${SUBJECT_NOTICE_KINDS.join(', ')}` })
  kind!: string;

  @ApiProperty({
    description: 'The case reference; it travels to every recipient, so never personal data.',
    example: 'REQ-2026-0042',
    pattern: SUBJECT_NOTICE_REFERENCE_PATTERN,
  })
  @Matches(new RegExp(SUBJECT_NOTICE_REFERENCE_PATTERN), {
    message: 'reference must be 1..64 letters, digits or ._:/- (a case reference, never personal data)',
  })
  reference!: string;

  @ApiProperty({
    description: 'The supply point: 22 digits, the first two its area. In the body only, never in a URL.',
    example: '0300000000000000000001',
  })
  @Matches(SUPPLY_POINT_ID, { message: 'supplyPointId must be 22 digits, the first two an area 01..10' })
  supplyPointId!: string;

  @ApiPropertyOptional({ description: `Deliveries from this time. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  from?: string;

  @ApiPropertyOptional({ description: `Deliveries before this time. ${TIME_BOUND_DESCRIPTION}` })
  @IsOptional()
  @IsTimeBound()
  @IsAfterFrom()
  to?: string;
}

export class IssuedNoticeDto {
  @ApiProperty({ description: 'The id of the jp.kyodo.subject-notice.v1 event (its noticeId).' })
  noticeId!: string;
  @ApiProperty({ description: 'The audit record id of the notice.' })
  auditId!: string;
  @ApiProperty()
  recipientId!: string;
  @ApiProperty()
  recipientRole!: string;
  @ApiProperty({ type: [String], description: 'The field paths this party received.' })
  fields!: string[];
  @ApiProperty({ type: [String], description: 'The audit ids of the deliveries concerned.' })
  deliveries!: string[];
}

export class SubjectNoticeOutcomeDto {
  @ApiProperty({ enum: SUBJECT_NOTICE_KINDS })
  kind!: string;
  @ApiProperty()
  reference!: string;
  @ApiProperty({ type: String, nullable: true })
  from!: string | null;
  @ApiProperty({ type: String, nullable: true })
  to!: string | null;
  @ApiProperty({
    type: [IssuedNoticeDto],
    description: 'Empty when no party received fields: no notice needed.',
  })
  notices!: IssuedNoticeDto[];
  @ApiProperty({
    type: [IssuedNoticeDto],
    description: 'Notices an earlier identical request (same deliveries) already sent: not sent again.',
  })
  alreadySent!: IssuedNoticeDto[];
  @ApiProperty({ example: '3 parties were sent a correction notice: OCCTO, R0002, TD03.' })
  summary!: string;
}
