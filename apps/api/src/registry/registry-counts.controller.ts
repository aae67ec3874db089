import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AREA_CODES, PARTY_ROLES } from '@kyodo/contracts';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { RegistryCountsService, type RegistryCountsReport } from './registry-counts.service';

class RoleAreaCountDto {
  @ApiProperty({ enum: PARTY_ROLES })
  role!: string;

  @ApiProperty({ type: String, nullable: true, enum: AREA_CODES, description: 'Only tdso parties have one.' })
  area!: string | null;

  @ApiProperty()
  count!: number;
}

class AreaCountDto {
  @ApiProperty({ enum: AREA_CODES, description: 'The supply points’ area.' })
  area!: string;

  @ApiProperty()
  count!: number;
}

class PartyCountsDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  byRole!: Record<string, number>;

  @ApiProperty({ type: [RoleAreaCountDto] })
  byRoleAndArea!: RoleAreaCountDto[];
}

class InForceDto {
  @ApiProperty()
  total!: number;

  @ApiProperty()
  inForce!: number;
}

class ConsentCountsDto extends InForceDto {
  @ApiProperty()
  revoked!: number;
}

class RegistryCountsDto {
  @ApiProperty()
  version!: string;

  @ApiProperty()
  asOf!: string;

  @ApiProperty({ description: 'The day in Japan "in force" is judged on.' })
  today!: string;

  @ApiProperty({ type: PartyCountsDto })
  parties!: PartyCountsDto;

  @ApiProperty({ type: InForceDto })
  enrollments!: InForceDto;

  @ApiProperty({ type: ConsentCountsDto })
  consents!: ConsentCountsDto;

  @ApiProperty({ type: [AreaCountDto] })
  enrollmentsInForceByArea!: AreaCountDto[];

  @ApiProperty({ type: [AreaCountDto] })
  consentsInForceByArea!: AreaCountDto[];
}

/** Counts only, so auditors may read them; the parties themselves are at GET /v1/registry (registry-admin). */
@ApiTags('registry')
@V1Endpoint()
@RequireRole(['auditor', 'registry-admin'])
@Controller('v1/registry/counts')
export class RegistryCountsController {
  constructor(@Inject(RegistryCountsService) private readonly counts: RegistryCountsService) {}

  @Get()
  @ApiOperation({
    summary: 'The registry in numbers',
    description:
      'Parties by role and area, enrollments and consents in force (by the area of their supply points). ' +
      'No names and no supply point ids.',
  })
  @ApiOkResponse({ type: RegistryCountsDto })
  report(): Promise<RegistryCountsReport> {
    return this.counts.report();
  }
}
