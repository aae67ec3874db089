import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { MinimisationReportDto, RejectionReportDto, WindowQueryDto } from './audit-insights.dto';
import {
  AuditInsightsService,
  LATEST_REJECTIONS,
  type MinimisationReport,
  type RejectionReport,
} from './audit-insights.service';

@ApiTags('audit')
@V1Endpoint()
@RequireRole(['auditor'])
@Controller('v1/audit')
export class AuditInsightsController {
  constructor(@Inject(AuditInsightsService) private readonly insights: AuditInsightsService) {}

  @Get('rejections')
  @ApiOperation({
    summary: 'Rejected input (dead letters) over time',
    description:
      'Rejections recorded in the audit trail, counted per day in Japan and reason, and the ' +
      `${LATEST_REJECTIONS} most recent with their inbound coordinates and reason. Never the record's content: ` +
      'for that, read the dead-letter topic.',
  })
  @ApiOkResponse({ type: RejectionReportDto })
  rejections(@Query() query: WindowQueryDto): Promise<RejectionReport> {
    return this.insights.rejections(query);
  }

  @Get('minimisation')
  @ApiOperation({
    summary: 'Data minimisation: fields delivered and withheld per recipient role and purpose',
    description:
      'From the deliveries in the audit trail: per recipient role and purpose, how many deliveries, how many ' +
      'field paths were delivered and how many present in the input were withheld, and which. A delivery ' +
      'made for several purposes counts under each.',
  })
  @ApiOkResponse({ type: MinimisationReportDto })
  minimisation(@Query() query: WindowQueryDto): Promise<MinimisationReport> {
    return this.insights.minimisation(query);
  }
}
