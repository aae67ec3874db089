import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ApiKey } from '@kyodo/persistence';
import { RequireRole } from '../auth/api-key.guard';
import { DependsOnKafka, ErrorDto, V1Endpoint } from '../http/openapi-common';
import {
  BATCH_CONTENT_TYPE,
  INBOX_MAX_BATCH,
  InboxService,
  SINGLE_CONTENT_TYPE,
  type AcceptedEvent,
} from './inbox.service';
import { INBOX_EXAMPLE_EVENT, InboxAcceptedDto, MailboxBundleDto, MailboxQueryDto } from './mailbox.dto';
import { MAILBOX_DEFAULT_MAX, MailboxService, bundleJson } from './mailbox.service';
import { ON_BEHALF_OF_HEADER, PartyAccessService } from './party-access';

interface PartyRequest {
  apiKey?: ApiKey;
}

interface RawResponse {
  on(event: 'close', listener: () => void): void;
  status(code: number): RawResponse;
  setHeader(name: string, value: string): void;
  end(body?: Buffer): void;
}

const ON_BEHALF_OF = ApiHeader({
  name: ON_BEHALF_OF_HEADER,
  required: false,
  description:
    "Act for this party, whose registry delegation (`delegations: [{ agentId, forId, from, to }]`) names the key's " +
    'party as its agent; recorded in the audit trail. Without a delegation in force: 403.',
  example: 'R0001',
});

@ApiTags('mailbox')
@V1Endpoint()
@DependsOnKafka()
@RequireRole(['party'])
@ON_BEHALF_OF
@Controller('v1/mailbox')
export class MailboxController {
  constructor(
    @Inject(MailboxService) private readonly mailbox: MailboxService,
    @Inject(PartyAccessService) private readonly access: PartyAccessService,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Peek at the party's undelivered outbound events",
    description:
      'The open bundle, or a new one of up to `max` events from the outbox, oldest first. Every call returns the ' +
      'same bundle until it is acknowledged. With `wait`, the request is held until an event arrives (at most ' +
      '`wait` seconds); 204 when there is none.',
  })
  @ApiOkResponse({ type: MailboxBundleDto })
  @ApiNoContentResponse({ description: 'No undelivered event (after waiting, when `wait` was given).' })
  async peek(
    @Query() query: MailboxQueryDto,
    @Headers(ON_BEHALF_OF_HEADER.toLowerCase()) onBehalfOf: string | undefined,
    @Req() request: PartyRequest,
    @Res() response: RawResponse,
  ): Promise<void> {
    const access = await this.access.resolve(request.apiKey, onBehalfOf);
    const gone = new AbortController();
    // The caller went away (a closed connection): stop waiting for it.
    response.on('close', () => gone.abort());
    const bundle = await this.mailbox.peek(access.partyId, {
      max: query.max ?? MAILBOX_DEFAULT_MAX,
      waitMs: (query.wait ?? 0) * 1000,
      signal: gone.signal,
    });
    response.setHeader('Cache-Control', 'no-store');
    if (!bundle) {
      response.status(204).end();
      return;
    }
    await this.access.audit(access, {
      action: 'mailbox-read',
      topic: this.mailbox.topicOf(access.partyId),
      bundleId: bundle.bundleId,
    });
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.status(200).end(bundleJson(bundle));
  }

  @Delete('bundles/:bundleId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Acknowledge a bundle',
    description:
      'The next call returns what follows it. Acknowledging the same bundle again is also 204; an unknown or ' +
      'stale id is 409.',
  })
  @ApiParam({ name: 'bundleId', format: 'uuid', example: '3b0d6a52-4f0e-4c1d-9a8b-2f6e1d7c5a90' })
  @ApiNoContentResponse({ description: 'Acknowledged (now or before).' })
  @ApiConflictResponse({ type: ErrorDto, description: "No such bundle of the party's." })
  async acknowledge(
    @Param('bundleId') bundleId: string,
    @Headers(ON_BEHALF_OF_HEADER.toLowerCase()) onBehalfOf: string | undefined,
    @Req() request: PartyRequest,
  ): Promise<void> {
    const access = await this.access.resolve(request.apiKey, onBehalfOf);
    await this.access.audit(access, {
      action: 'mailbox-acknowledge',
      topic: this.mailbox.topicOf(access.partyId),
      bundleId,
    });
    const outcome = await this.mailbox.acknowledge(access.partyId, bundleId);
    if (outcome === 'unknown')
      throw new ConflictException(`${bundleId} is no bundle of this mailbox (unknown or stale)`);
  }
}

@ApiTags('mailbox')
@V1Endpoint()
@DependsOnKafka()
@RequireRole(['party'])
@ON_BEHALF_OF
@ApiExtraModels(InboxAcceptedDto)
@Controller('v1/inbox')
export class InboxController {
  constructor(
    @Inject(InboxService) private readonly inbox: InboxService,
    @Inject(PartyAccessService) private readonly access: PartyAccessService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: "Send events to the party's inbox",
    description:
      `One CloudEvent (${SINGLE_CONTENT_TYPE}) or a batch (${BATCH_CONTENT_TYPE}, at most ${INBOX_MAX_BATCH}), ` +
      "written to the party's inbox kyodo.in.<party> keyed by `subject`, all in one Kafka transaction, then routed " +
      'like any inbound event. 202 once durably written. Each `source` must be `urn:kyodo:party:<party>` (403 ' +
      'otherwise). Sending the same events again is harmless: the gateway refuses a (source, id) it already ' +
      'accepted as a duplicate.',
  })
  @ApiConsumes(SINGLE_CONTENT_TYPE, BATCH_CONTENT_TYPE)
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'object', additionalProperties: true, description: 'One CloudEvent.' },
        { type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: INBOX_MAX_BATCH },
      ],
    },
    examples: {
      event: { summary: 'One contract-switch event', value: INBOX_EXAMPLE_EVENT },
      batch: { summary: 'A batch of one', value: [INBOX_EXAMPLE_EVENT] },
    },
  })
  @ApiAcceptedResponse({
    description:
      'Durably written: one `{ id, status }` for one event, an array of them (in the order posted) for a batch.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(InboxAcceptedDto) },
        { type: 'array', items: { $ref: getSchemaPath(InboxAcceptedDto) } },
      ],
    },
  })
  async post(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers(ON_BEHALF_OF_HEADER.toLowerCase()) onBehalfOf: string | undefined,
    @Req() request: PartyRequest,
  ): Promise<AcceptedEvent | AcceptedEvent[]> {
    const access = await this.access.resolve(request.apiKey, onBehalfOf);
    const events = InboxService.eventsOf(contentType, body);
    const accepted = await this.inbox.post(access, events);
    return Array.isArray(body) ? accepted : accepted[0];
  }
}
