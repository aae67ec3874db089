import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { PartyDto, RegistrySummaryDto } from './registry.dto';
import type { PartyRow } from './registry-summary.repository';
import { RegistrySummaryService, type RegistrySummary } from './registry-summary.service';

/** Read-only: the registry is changed with `kyodo registry import`. */
@ApiTags('registry')
@V1Endpoint()
@RequireRole(['registry-admin'])
@Controller('v1/registry')
export class RegistryController {
  constructor(@Inject(RegistrySummaryService) private readonly registry: RegistrySummaryService) {}

  @Get()
  @ApiOperation({ summary: 'The registry at a glance: parties, and enrollments and consents in force' })
  @ApiOkResponse({ type: RegistrySummaryDto })
  summary(): Promise<RegistrySummary> {
    return this.registry.summary();
  }

  @Get('parties')
  @ApiOperation({ summary: 'The registered parties' })
  @ApiOkResponse({ type: [PartyDto] })
  parties(): Promise<PartyRow[]> {
    return this.registry.parties();
  }
}
