import { randomUUID } from 'node:crypto';
import { delegatedActionRecord, type DelegatedActionInput } from '@kyodo/audit';
import { PARTY_ID_PATTERN, type PartyRole, type Topics } from '@kyodo/contracts';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import type { ApiKey, RegistryRepository } from '@kyodo/persistence';
import { DependencyUnavailableError, PartyAccessError } from '../errors';

/** The header by which a party's key acts for another party that delegated it (`Kyodo-On-Behalf-Of: P`). */
export const ON_BEHALF_OF_HEADER = 'Kyodo-On-Behalf-Of';

/** Whose mailbox and inbox a request uses, and who is using them. */
export interface PartyAccess {
  /** The party whose outbox is read and whose inbox is written. */
  readonly partyId: string;
  readonly role: PartyRole;
  /** The key's own party when it acts for `partyId` under a delegation; null when it is `partyId`. */
  readonly agentId: string | null;
}

const JAPAN_OFFSET_MS = 9 * 60 * 60 * 1000;

/**
 * Decides the party a request acts as: the API key's party, or, with `Kyodo-On-Behalf-Of`, a party that
 * delegated it (a delegation in the registry covering today, a day in Japan, not revoked). Anything
 * else is a PartyAccessError (403), which never says whether the other party exists. Also records what
 * an agent does for its principal, in the audit trail (outcome `acted-for`).
 */
export class PartyAccessService {
  constructor(
    private readonly registry: RegistryRepository,
    private readonly kafka: KafkaPort,
    private readonly options: {
      readonly topics: Topics;
      readonly policyVersion: () => string;
      readonly clock?: () => Date;
    },
  ) {}

  now(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }

  async resolve(key: ApiKey | undefined, onBehalfOf: string | undefined): Promise<PartyAccess> {
    const own = key?.role === 'party' ? key.partyId : null;
    if (!own) throw new PartyAccessError('only an API key of role party opens a mailbox');
    const wanted = onBehalfOf?.trim();
    if (wanted === undefined || wanted === '' || wanted === own) {
      const party = await this.registry.findParty(own);
      if (!party) throw new PartyAccessError(`the key's party ${own} is no longer registered`);
      // A suspended party neither sends nor receives (contract v1.1), by HTTP as by Kafka.
      if (party.suspended) throw new PartyAccessError(`the key's party ${own} is suspended`);
      return { partyId: own, role: party.role, agentId: null };
    }
    const refusal = new PartyAccessError(
      `${own} holds no delegation in force to act for the party named in ${ON_BEHALF_OF_HEADER}`,
    );
    if (!PARTY_ID_PATTERN.test(wanted)) throw refusal;
    const now = this.now();
    const today = new Date(now.getTime() + JAPAN_OFFSET_MS).toISOString().slice(0, 10);
    if (!(await this.registry.delegationInForce(own, wanted, today, now))) throw refusal;
    const [agent, principal] = await Promise.all([
      this.registry.findParty(own),
      this.registry.findParty(wanted),
    ]);
    if (!principal || !agent || agent.suspended) throw refusal;
    if (principal.suspended) throw new PartyAccessError(`${wanted} is suspended`);
    return { partyId: wanted, role: principal.role, agentId: own };
  }

  /** The audit records of an agent's action, to publish (with what they describe, where it is written). */
  auditRecords(
    access: PartyAccess,
    actions: readonly Omit<
      DelegatedActionInput,
      'agentId' | 'principalId' | 'principalRole' | 'policyVersion' | 'now'
    >[],
  ): ProducedRecord[] {
    if (access.agentId === null) return [];
    const agentId = access.agentId;
    const now = this.now().toISOString();
    const policyVersion = this.options.policyVersion();
    return actions.map((action) => {
      const record = delegatedActionRecord({
        ...action,
        agentId,
        principalId: access.partyId,
        principalRole: access.role,
        policyVersion,
        now,
      });
      return {
        topic: this.options.topics.audit,
        key: record.supplyPointHmac ?? record.inboundTopic,
        value: JSON.stringify(record),
      };
    });
  }

  /** Publishes an agent's action to the audit trail before the action is answered; nothing for a party acting as itself. */
  async audit(
    access: PartyAccess,
    action: Omit<DelegatedActionInput, 'agentId' | 'principalId' | 'principalRole' | 'policyVersion' | 'now'>,
  ): Promise<void> {
    const records = this.auditRecords(access, [action]);
    if (records.length === 0) return;
    try {
      await this.kafka.sendInTransaction(
        `${this.options.topics.prefix}.mailbox.audit.${randomUUID()}`,
        records,
      );
    } catch (error) {
      throw new DependencyUnavailableError('the audit trail could not be written; try again', {
        cause: error,
      });
    }
  }
}
