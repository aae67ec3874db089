import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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
    return this.answer(query, response);
  }

  @Post('search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What was disclosed about one supply point, asked in the request body',
    description:
      'The same answer as GET /v1/disclosures, with the parameters in a JSON body, so the supply point id ' +
      'never appears in a URL (and so in no proxy or server access log, browser history or Referer header). ' +
      'The console uses it.',
  })
  @ApiBody({ type: DisclosuresQueryDto })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: DisclosureReportDto })
  async search(
    @Body() query: DisclosuresQueryDto,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<DisclosureReport | string> {
    response.setHeader('Cache-Control', 'no-store');
    return this.answer(query, response);
  }

  private async answer(
    query: DisclosuresQueryDto,
    response: HeaderTarget,
  ): Promise<DisclosureReport | string> {
    const report = await this.disclosures.list(query);
    if (query.format !== 'csv') return report;
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    return disclosuresCsv(report.items);
  }
}
