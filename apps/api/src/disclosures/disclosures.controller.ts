import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { disclosuresCsv } from './csv';
import { DisclosureReportDto, DisclosuresQueryDto } from './disclosures.dto';
import { DisclosuresService, type DisclosureReport } from './disclosures.service';

interface HeaderTarget {
  setHeader(name: string, value: string): void;
}

@ApiTags('disclosures')
@V1Endpoint()
@RequireRole(['auditor'])
@Controller('v1/disclosures')
export class DisclosuresController {
  constructor(@Inject(DisclosuresService) private readonly disclosures: DisclosuresService) {}

  @Get()
  @ApiOperation({
    summary: 'What was disclosed about one supply point',
    description:
      'Every delivery of data about the supply point recorded in the audit trail: when, to whom, for which ' +
      'purposes, which fields were delivered and which withheld, under which policy version.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: DisclosureReportDto })
  async list(
    @Query() query: DisclosuresQueryDto,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<DisclosureReport | string> {
    const report = await this.disclosures.list(query);
    if (query.format !== 'csv') return report;
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    return disclosuresCsv(report.items);
  }
}
