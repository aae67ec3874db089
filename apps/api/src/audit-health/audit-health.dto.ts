import { ApiProperty } from '@nestjs/swagger';

class ChainHeadDto {
  @ApiProperty({ description: 'Audit-topic partition: one chain each.' })
  partition!: number;

  @ApiProperty({ description: 'Offset of the last row, as a decimal string (-1: empty).' })
  offset!: string;

  @ApiProperty({ description: 'SHA-256 (hex) of the last row.' })
  hash!: string;
}

export class AuditCheckRunDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['verify', 'reconcile'] })
  kind!: string;

  @ApiProperty()
  startedAt!: string;

  @ApiProperty()
  finishedAt!: string;

  @ApiProperty({ description: 'Whether the check passed.' })
  ok!: boolean;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'verify: `rows`, `chains` (per partition: rows, verified head, anchor) and `firstBad` (null, or the ' +
      'first bad position and what is wrong there). reconcile: the counts of the report (auditDeliveries, ' +
      'outboxEvents, missingFromOutbox, missingFromAudit, unreadable, trimmedOutboxes, notVerifiable), or ' +
      '`error` when it could not be done.',
  })
  summary!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true, description: 'The API key id that asked for the run.' })
  requestedBy!: string | null;
}

export class AuditHealthDto {
  @ApiProperty()
  asOf!: string;

  @ApiProperty({ type: [ChainHeadDto], description: 'The recorded head of each chain.' })
  heads!: ChainHeadDto[];

  @ApiProperty({ type: [ChainHeadDto], description: 'Where chains start after retention.' })
  anchors!: ChainHeadDto[];

  @ApiProperty({ type: AuditCheckRunDto, nullable: true })
  lastVerify!: AuditCheckRunDto | null;

  @ApiProperty({ type: AuditCheckRunDto, nullable: true })
  lastReconciliation!: AuditCheckRunDto | null;
}
