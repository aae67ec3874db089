import { supplyPointHmac, uuidV5 } from '@kyodo/audit';
import {
  SUBJECT_NOTICE_KINDS,
  SUBJECT_NOTICE_REFERENCE_PATTERN,
  type SubjectNoticeKind,
  type Topics,
} from '@kyodo/contracts';
import type { KafkaPort } from '@kyodo/kafka';
import type { CompiledPolicy } from '@kyodo/policy';
import type { AuditRepository, SubjectNoticeRepository } from '@kyodo/persistence';
import { buildSubjectNotices, type IssuedNotice } from '@kyodo/routing';
import { ApiInputError, DependencyUnavailableError, WorkLimitError } from '../errors';
import { SUPPLY_POINT_ID } from '../disclosures/disclosures.service';
import { resolveWindow } from '../time-bounds';

export interface SubjectNoticeCommand {
  readonly kind: string;
  readonly reference: string;
  readonly supplyPointId: string;
  /** RFC 3339 instant or YYYY-MM-DD (a day in Japan); open when absent. */
  readonly from?: string;
  readonly to?: string;
  /** Recorded as the notices' origin. */
  readonly requestedBy: string;
}

export interface SubjectNoticeOutcome {
  readonly kind: SubjectNoticeKind;
  readonly reference: string;
  readonly from: string | null;
  readonly to: string | null;
  /** Sent now: one per party that received fields about the supply point in the period; empty when none did. */
  readonly notices: readonly IssuedNotice[];
  /** Sent by an earlier identical request (same deliveries): not sent again. */
  readonly alreadySent: readonly IssuedNotice[];
  /** A sentence for people: how many parties were told, or that nobody needed to be. */
  readonly summary: string;
}

/** Most deliveries one request may concern; a narrower period answers a larger case. */
export const SUBJECT_NOTICE_MAX_DELIVERIES = 100_000;
const REFERENCE = new RegExp(SUBJECT_NOTICE_REFERENCE_PATTERN);
const NOTICE_TXN_NAMESPACE = '6a0e3f58-2b7d-4c91-8e64-d19f5a2c7b03';

/**
 * Passes a customer's correction or deletion request on to every party that received fields about the
 * supply point in the period: the audit trail (by the supply point's HMAC) names them, one
 * `jp.kyodo.subject-notice.v1` goes to each outbox, and all notices and their audit records commit in
 * one Kafka transaction. The supply point id is never logged nor put in an error message.
 */
export class SubjectNoticeService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly sent: SubjectNoticeRepository,
    private readonly kafka: KafkaPort,
    private readonly options: {
      readonly topics: Topics;
      readonly hmacKey: string;
      /** The policy in force, or how to load it (on first use, so that starting the API stays quick). */
      readonly policy: CompiledPolicy | (() => CompiledPolicy);
      readonly clock?: () => Date;
    },
  ) {}

  private compiled: CompiledPolicy | undefined;

  private policy(): CompiledPolicy {
    const { policy } = this.options;
    return (this.compiled ??= typeof policy === 'function' ? policy() : policy);
  }

  async issue(command: SubjectNoticeCommand): Promise<SubjectNoticeOutcome> {
    const kind = command.kind as SubjectNoticeKind;
    if (!SUBJECT_NOTICE_KINDS.includes(kind)) {
      throw new ApiInputError(`kind must be one of ${SUBJECT_NOTICE_KINDS.join(', ')}`);
    }
    if (!REFERENCE.test(command.reference)) {
      throw new ApiInputError(
        'reference must be 1..64 letters, digits or ._:/- starting with a letter or digit (a case reference, never personal data)',
      );
    }
    if (!SUPPLY_POINT_ID.test(command.supplyPointId)) {
      throw new ApiInputError('supplyPointId must be 22 digits starting with an area 01..10');
    }
    const policy = this.policy();
    const notices = policy.notices;
    if (notices === undefined) {
      throw new ApiInputError(
        'the policy in force has no `notices` section: subject notices are not configured',
      );
    }
    const window = resolveWindow(command.from, command.to);
    const trail = await this.audit.disclosures({
      supplyPointHmac: supplyPointHmac(this.options.hmacKey, command.supplyPointId),
      from: window.from,
      to: window.to,
      limit: SUBJECT_NOTICE_MAX_DELIVERIES + 1,
    });
    if (trail.length > SUBJECT_NOTICE_MAX_DELIVERIES) {
      throw new WorkLimitError(
        `more than ${SUBJECT_NOTICE_MAX_DELIVERIES} deliveries in the period; give a narrower --from/--to`,
      );
    }
    const now = (this.options.clock ?? (() => new Date()))().toISOString();
    const request = {
      kind,
      reference: command.reference,
      supplyPointId: command.supplyPointId,
      from: window.from ?? null,
      to: window.to ?? null,
      requestedBy: command.requestedBy,
    };
    const options = {
      topics: this.options.topics,
      hmacKey: this.options.hmacKey,
      policyVersion: policy.version,
      notices,
      now,
    };
    const planned = buildSubjectNotices(request, trail, options);
    const alreadySent = await this.sent.sentAlready(
      supplyPointHmac(this.options.hmacKey, command.supplyPointId),
      planned.notices.map((n) => n.noticeId),
    );
    const batch =
      alreadySent.size === 0 ? planned : buildSubjectNotices(request, trail, { ...options, alreadySent });
    const base = { kind, reference: command.reference, from: request.from, to: request.to };
    if (batch.notices.length === 0) {
      return {
        ...base,
        notices: [],
        alreadySent: batch.alreadySent,
        summary:
          batch.alreadySent.length === 0
            ? 'No party received fields about this supply point in the period: no notice was needed.'
            : `Every notice of this request was sent before (${batch.alreadySent.length}); none was sent again.`,
      };
    }
    // One transactional id per request (from its notices), so a retry of the same request fences a stuck attempt.
    const txn = uuidV5(NOTICE_TXN_NAMESPACE, batch.notices.map((n) => n.noticeId).join(' '));
    try {
      await this.kafka.sendInTransaction(
        `${this.options.topics.prefix}.subject-notice.${txn}`,
        batch.records,
      );
    } catch (error) {
      throw new DependencyUnavailableError(
        'Kafka did not confirm the notices; send the same request again (it sends the same notices, with the same ids)',
        { cause: error },
      );
    }
    const parties = batch.notices.map((n) => n.recipientId).join(', ');
    return {
      ...base,
      notices: batch.notices,
      alreadySent: batch.alreadySent,
      summary: `${batch.notices.length} ${batch.notices.length === 1 ? 'party was' : 'parties were'} sent a ${kind} notice: ${parties}.`,
    };
  }
}
