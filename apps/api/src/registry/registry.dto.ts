import { ApiProperty } from '@nestjs/swagger';
import { AREA_CODES, PARTY_ROLES } from '@kyodo/contracts';

export class PartyDto {
  @ApiProperty({ example: 'TD03' })
  id!: string;

  @ApiProperty({ enum: PARTY_ROLES })
  role!: string;

  @ApiProperty({ example: 'Tokyo T&D' })
  name!: string;

  @ApiProperty({ type: String, nullable: true, enum: AREA_CODES, description: 'Only for a tdso.' })
  area!: string | null;
}

class PartiesSummaryDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { retailer: 2, tdso: 1, occto: 1, aggregator: 1, 'third-party': 1 },
  })
  byRole!: Record<string, number>;

  @ApiProperty({ type: [PartyDto] })
  items!: PartyDto[];
}

class EnrollmentsSummaryDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({ description: 'Covering today.' })
  inForce!: number;
}

class ConsentsSummaryDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({ description: 'Covering today and not revoked.' })
  inForce!: number;

  @ApiProperty()
  revoked!: number;
}

export class RegistrySummaryDto {
  @ApiProperty({ description: 'Registry version (bumped by every import).' })
  version!: string;

  @ApiProperty()
  asOf!: string;

  @ApiProperty({ description: 'The day in Japan "in force" is judged on.', example: '2026-11-27' })
  today!: string;

  @ApiProperty({ type: PartiesSummaryDto })
  parties!: PartiesSummaryDto;

  @ApiProperty({ type: EnrollmentsSummaryDto })
  enrollments!: EnrollmentsSummaryDto;

  @ApiProperty({ type: ConsentsSummaryDto })
  consents!: ConsentsSummaryDto;
}
