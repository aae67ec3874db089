import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { RequireRole } from '../auth/api-key.guard';
import { DependsOnKafka, ErrorDto, V1Endpoint } from '../http/openapi-common';
import { ReconciliationQueryDto, ReconciliationReportDto } from './reconciliation.dto';
import {
  RECONCILIATION_MAX_RECORDS,
  RECONCILIATION_TIMEOUT_MS,
  ReconciliationService,
  type ReconciliationReport,
} from './reconciliation.service';

@ApiTags('reconciliation')
@V1Endpoint()
@RequireRole(['auditor'])
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(@Inject(ReconciliationService) private readonly reconciliation: ReconciliationService) {}

  @Get()
  @ApiOperation({
    summary: 'Compare the audit trail with the outboxes',
    description:
      "Outbound events the audit trail records as delivered, against those present in the recipients' outboxes " +
      '(read with read_committed up to their high watermarks at the start of the request). Without a window ' +
      'everything is compared; with one, audit records are taken by their time and outbox records by their ' +
      'Kafka timestamp, each looked up on the other side within a 5-minute grace at both edges. ' +
      `The work is bounded: outboxes holding more than ${RECONCILIATION_MAX_RECORDS} offsets in all (every ` +
      'outbox is read from its start, whatever the window), or more audit deliveries than that in the ' +
      `window, are refused with 422; a comparison not done within ${RECONCILIATION_TIMEOUT_MS / 1000} s is ` +
      'abandoned with 503.',
  })
  @ApiOkResponse({ type: ReconciliationReportDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorDto,
    description: 'More records to compare than one reconciliation reads; the message says which side.',
  })
  @DependsOnKafka()
  reconcile(@Query() query: ReconciliationQueryDto): Promise<ReconciliationReport> {
    return this.reconciliation.reconcile(query);
  }
}
