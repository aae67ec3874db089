import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '@kyodo/persistence';
import { RequireRole } from '../auth/api-key.guard';
import { V1Endpoint } from '../http/openapi-common';
import { SubjectNoticeOutcomeDto, SubjectNoticeRequestDto } from './subject-notices.dto';
import { SubjectNoticeService, type SubjectNoticeOutcome } from './subject-notices.service';

@ApiTags('subject-notices')
@V1Endpoint()
@RequireRole(['privacy-officer'])
@Controller('v1/subject-notices')
export class SubjectNoticesController {
  constructor(@Inject(SubjectNoticeService) private readonly notices: SubjectNoticeService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Pass a customer's correction or deletion request on to every past recipient",
    description:
      'Every party that received fields about the supply point in the period (from the audit trail) gets one ' +
      'jp.kyodo.subject-notice.v1 on its outbox naming the fields and deliveries concerned, all in one Kafka ' +
      'transaction with their audit records. No recipient is an answer too: an empty `notices`.',
  })
  @ApiOkResponse({ type: SubjectNoticeOutcomeDto })
  async issue(
    @Body() body: SubjectNoticeRequestDto,
    @Req() request: { apiKey?: ApiKey },
  ): Promise<SubjectNoticeOutcome> {
    return this.notices.issue({
      ...body,
      requestedBy: `urn:kyodo:privacy-officer:${request.apiKey?.id ?? 'unknown'}`,
    });
  }
}
