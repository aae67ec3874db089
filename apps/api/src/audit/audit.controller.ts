import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuditPage } from '@kyodo/persistence';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { AuditSearchService } from './audit-search.service';
import { AuditPageDto, AuditQueryDto } from './audit.dto';

@ApiTags('audit')
@V1Endpoint()
@RequireRole(['auditor'])
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(AuditSearchService) private readonly audit: AuditSearchService) {}

  @Get()
  @ApiOperation({
    summary: 'Search the audit trail',
    description: 'Audit records by (time, id), a page at a time: follow `nextCursor` until it is null.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  search(@Query() query: AuditQueryDto): Promise<AuditPage> {
    return this.audit.search(query);
  }
}
