import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/api-key.guard';
import { DependsOnKafka, V1Endpoint } from '../http/openapi-common';
import { ReconciliationQueryDto, ReconciliationReportDto } from './reconciliation.dto';
import { ReconciliationService, type ReconciliationReport } from './reconciliation.service';

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
      'Kafka timestamp, each looked up on the other side within a 5-minute grace at both edges.',
  })
  @ApiOkResponse({ type: ReconciliationReportDto })
  @DependsOnKafka()
  reconcile(@Query() query: ReconciliationQueryDto): Promise<ReconciliationReport> {
    return this.reconciliation.reconcile(query);
  }
}
