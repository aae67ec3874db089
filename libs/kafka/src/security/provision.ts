import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
  logLevel,
  type AclEntry,
  type AclFilter,
} from 'kafkajs';
import { kafkaJsSecurity } from '../kafkajs-security';
import type { KafkaSecurity } from '../port';
import {
  aclChanges,
  kyodoAcls,
  partyAcls,
  userPrincipal,
  type AclBinding,
  type KyodoPrincipalNames,
} from './acls';
import { withScramAdmin } from './scram-users';

/** One registered party as the broker sees it. */
export interface PartyPrincipal {
  readonly id: string;
  /** Suspended: no SCRAM user and no ACLs until lifted. */
  readonly suspended: boolean;
  /** A new password for its SCRAM user (from `--secrets`); absent: its user is left as it is. */
  readonly password?: string;
}

export interface ProvisionRequest {
  readonly brokers: readonly string[];
  /** As Kyodo's admin principal (a super user). */
  readonly security: KafkaSecurity | undefined;
  readonly topicPrefix: string;
  readonly parties: readonly PartyPrincipal[];
  /** Kyodo's own app principals, whose ACLs are set for this topic prefix too. */
  readonly kyodo?: KyodoPrincipalNames;
}

export interface ProvisionResult {
  readonly usersUpserted: number;
  readonly usersRemoved: number;
  readonly aclsCreated: number;
  readonly aclsRemoved: number;
}

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

export const MIN_PARTY_PASSWORD_LENGTH = 16;

const RESOURCE: Record<AclBinding['resource'], AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
};
const PATTERN: Record<AclBinding['pattern'], ResourcePatternTypes> = {
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
};
const OPERATION: Record<AclBinding['operation'], AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
  create: AclOperationTypes.CREATE,
};

function toEntry(b: AclBinding): AclEntry {
  return {
    principal: b.principal,
    host: '*',
    resourceType: RESOURCE[b.resource],
    resourceName: b.name,
    resourcePatternType: PATTERN[b.pattern],
    operation: OPERATION[b.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

function reverse<K extends string, V>(map: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as V, k as K]));
}
const RESOURCE_OF = reverse(RESOURCE);
const PATTERN_OF = reverse(PATTERN);
const OPERATION_OF = reverse(OPERATION);

/**
 * Makes the broker match the registry: each party's SCRAM user (created or updated where a password is
 * given; deleted while suspended) and exactly its ACLs, and Kyodo's apps' ACLs for this topic prefix.
 * ACLs a managed principal holds beyond these are removed. Idempotent; a handful of requests whatever
 * the number of parties (one describe, one create, one delete, one SCRAM describe and one alter).
 */
export async function provisionPrincipals(request: ProvisionRequest): Promise<ProvisionResult> {
  for (const party of request.parties) {
    if (party.password !== undefined && party.password.length < MIN_PARTY_PASSWORD_LENGTH) {
      // Never quotes the password.
      throw new ProvisionError(
        `the password for ${party.id} is ${party.password.length} characters long; at least ${MIN_PARTY_PASSWORD_LENGTH} are required`,
      );
    }
  }
  const wanted: AclBinding[] = [];
  const parties = new Set<string>();
  for (const party of request.parties) {
    parties.add(userPrincipal(party.id));
    if (!party.suspended) wanted.push(...partyAcls(request.topicPrefix, party.id));
  }
  const apps = new Set<string>();
  if (request.kyodo) {
    for (const name of [request.kyodo.gateway, request.kyodo.audit, request.kyodo.api]) {
      apps.add(userPrincipal(name));
    }
    wanted.push(...kyodoAcls(request.topicPrefix, request.kyodo));
  }
  // A party's principal keeps exactly its ACLs; Kyodo's apps, exactly theirs under this topic prefix.
  const managed = (b: Pick<AclBinding, 'principal' | 'name'>): boolean =>
    parties.has(b.principal) || (apps.has(b.principal) && b.name.startsWith(`${request.topicPrefix}.`));

  const scram = await withScramAdmin(request.brokers, request.security, async (admin) => {
    const existing = await admin.users();
    const upsert = request.parties
      .filter((p) => !p.suspended && p.password !== undefined)
      .map((p) => ({ name: p.id, password: p.password! }));
    const remove = request.parties.filter((p) => p.suspended && existing.has(p.id)).map((p) => p.id);
    await admin.alter({ upsert, remove });
    return { usersUpserted: upsert.length, usersRemoved: remove.length };
  });

  const admin = new Kafka({
    clientId: 'kyodo-provision',
    brokers: [...request.brokers],
    ...kafkaJsSecurity(request.security),
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { retries: 3 },
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    // Every ACL, allow or deny: a managed principal keeps exactly what it is given here.
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const existing: AclBinding[] = [];
    const foreign: AclFilter[] = [];
    for (const resource of described.resources) {
      const kind = RESOURCE_OF.get(resource.resourceType);
      const pattern = PATTERN_OF.get(resource.resourcePatternType);
      for (const acl of resource.acls) {
        if (!managed({ principal: acl.principal, name: resource.resourceName })) continue;
        const operation = OPERATION_OF.get(acl.operation);
        const ours = acl.host === '*' && acl.permissionType === AclPermissionTypes.ALLOW;
        if (kind && pattern && operation && ours) {
          existing.push({
            principal: acl.principal,
            resource: kind,
            pattern,
            name: resource.resourceName,
            operation,
          });
        } else {
          // Something never granted here (another operation, a deny, a host restriction): removed.
          foreign.push({
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
            resourcePatternType: resource.resourcePatternType,
            principal: acl.principal,
            host: acl.host,
            operation: acl.operation,
            permissionType: acl.permissionType,
          });
        }
      }
    }
    const { create, remove } = aclChanges(wanted, existing, managed);
    if (remove.length > 0 || foreign.length > 0) {
      await admin.deleteAcls({ filters: [...remove.map(toEntry), ...foreign] });
    }
    if (create.length > 0) await admin.createAcls({ acl: create.map(toEntry) });
    return { ...scram, aclsCreated: create.length, aclsRemoved: remove.length + foreign.length };
  } finally {
    await admin.disconnect();
  }
}
