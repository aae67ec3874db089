import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '@kyodo/persistence';
import { V1Endpoint } from '../http/openapi-common';
import { RequireRole } from './api-key.guard';

class WhoAmIDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['auditor', 'registry-admin'] })
  role!: string;

  @ApiProperty({
    description: 'The first characters of the key, to tell keys apart.',
    example: 'kyodo_AbCdEfGh',
  })
  prefix!: string;
}

/** Which key is calling: the console checks a key with it when signing in. */
@ApiTags('api keys')
@V1Endpoint()
@RequireRole(['auditor', 'registry-admin'])
@Controller('v1/whoami')
export class WhoAmIController {
  @Get()
  @ApiOperation({ summary: 'The API key making the request: its id, role and prefix' })
  @ApiOkResponse({ type: WhoAmIDto })
  whoami(@Req() request: { apiKey?: ApiKey }): WhoAmIDto {
    const key = request.apiKey;
    if (!key) throw new Error('the API key guard did not attach the key');
    return { id: key.id, role: key.role, prefix: key.prefix };
  }
}
