import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { ApiKey, AuditCheckRun } from '@kyodo/persistence';
import { RequireRole } from '../auth/api-key.guard';
import { DependsOnKafka, ErrorDto, V1Endpoint } from '../http/openapi-common';
import { ReconciliationReportDto } from '../reconciliation/reconciliation.dto';
import type { ReconciliationReport } from '../reconciliation/reconciliation.service';
import { AuditCheckRunDto, AuditHealthDto } from './audit-health.dto';
import {
  AuditHealthService,
  type AuditHealth,
  type ReconcileSummary,
  type VerifySummary,
} from './audit-health.service';

class ReconciliationRunDto {
  @ApiProperty({ type: AuditCheckRunDto })
  run!: AuditCheckRunDto;

  @ApiProperty({ type: ReconciliationReportDto })
  report!: ReconciliationReportDto;
}

interface KeyedRequest {
  readonly apiKey?: ApiKey;
}

@ApiTags('audit')
@V1Endpoint()
@RequireRole(['auditor'])
@Controller('v1')
export class AuditHealthController {
  constructor(@Inject(AuditHealthService) private readonly health: AuditHealthService) {}

  @Get('audit/health')
  @ApiOperation({
    summary: "The audit trail's health",
    description: 'The recorded chain heads and anchors, and the last verify and reconciliation runs.',
  })
  @ApiOkResponse({ type: AuditHealthDto })
  state(): Promise<AuditHealth> {
    return this.health.health();
  }

  @Post('audit/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify the hash chains now',
    description:
      'Walks every chain in one snapshot, as `kyodo audit verify` does, records the run and returns it ' +
      '(`ok` false names the first bad row). A request made while a verification is running waits for it.',
  })
  @ApiOkResponse({ type: AuditCheckRunDto })
  verify(@Req() request: KeyedRequest): Promise<AuditCheckRun<VerifySummary>> {
    return this.health.verify(request.apiKey?.id ?? null);
  }

  @Post('reconciliation/runs')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reconcile the whole audit trail with the outboxes now, and record the result',
    description:
      'What GET /v1/reconciliation answers without a window, with the same limits; the run is recorded (also ' +
      'when a limit or an unreachable broker stops it) and shown by GET /v1/audit/health.',
  })
  @ApiOkResponse({ type: ReconciliationRunDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorDto,
    description: 'More records to compare than one run reads.',
  })
  @DependsOnKafka()
  reconcile(
    @Req() request: KeyedRequest,
  ): Promise<{ run: AuditCheckRun<ReconcileSummary>; report: ReconciliationReport }> {
    return this.health.reconcile(request.apiKey?.id ?? null);
  }
}
