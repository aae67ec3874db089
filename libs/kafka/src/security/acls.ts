/**
 * The ACLs of the secured broker, as data: each party's principal (the SCRAM user named exactly its
 * party id) and Kyodo's own principals get exactly these and nothing more (docs/CONTRACT.md, "The
 * secured broker"). Pure: computed here, applied by `provisionPrincipals`.
 */
export type AclResource = 'topic' | 'group' | 'transactional-id';
export type AclPattern = 'literal' | 'prefixed';
export type AclOperation = 'read' | 'write' | 'describe' | 'create';

export interface AclBinding {
  readonly principal: string;
  readonly resource: AclResource;
  readonly pattern: AclPattern;
  readonly name: string;
  readonly operation: AclOperation;
}

/** The names Kyodo's apps use on Kafka, from the topic prefix (see apps/gateway, apps/audit, apps/api). */
export interface KyodoNames {
  readonly topicPrefix: string;
}

export function userPrincipal(name: string): string {
  return `User:${name}`;
}

function grant(
  principal: string,
  resource: AclResource,
  pattern: AclPattern,
  name: string,
  operations: readonly AclOperation[],
): AclBinding[] {
  return operations.map((operation) => ({ principal, resource, pattern, name, operation }));
}

/**
 * A party: WRITE and DESCRIBE on its inbox, READ and DESCRIBE on its outbox (literal), READ on consumer
 * groups `<id>.*`, WRITE and DESCRIBE on transactional ids `<id>.*` (prefixed).
 */
export function partyAcls(topicPrefix: string, partyId: string): AclBinding[] {
  const p = userPrincipal(partyId);
  return [
    ...grant(p, 'topic', 'literal', `${topicPrefix}.in.${partyId}`, ['write', 'describe']),
    ...grant(p, 'topic', 'literal', `${topicPrefix}.out.${partyId}`, ['read', 'describe']),
    ...grant(p, 'group', 'prefixed', `${partyId}.`, ['read']),
    ...grant(p, 'transactional-id', 'prefixed', `${partyId}.`, ['write', 'describe']),
  ];
}

/** Kyodo's own app principals' user names (as `infra up --secure` makes them). */
export interface KyodoPrincipalNames {
  readonly gateway: string;
  readonly audit: string;
  readonly api: string;
}

/**
 * Least privilege for Kyodo's apps under one topic prefix P:
 * - gateway: reads every inbox (`P.in.*`), writes every outbox, `P.dlq` and `P.audit`, creates the
 *   parties' topics and its own, reads and writes its accepted-ids state `P.gateway.accepted` (restored
 *   in throwaway groups `P.gateway.accepted.reader.*`), consumes as group `P.gateway`, transactional ids `P.gateway.*`;
 * - audit writer: reads `P.audit` as group `P.audit-writer`; creates `P.audit` / `P.dlq` if missing
 *   (DESCRIBE on `P.dlq` only, to see that it exists; it never reads it);
 * - API: reads the outboxes for reconciliation as groups `P.reconcile.*` (it never commits offsets)
 *   and for the HTTP mailbox, whose cursors are the groups `P.mailbox.*` (its range reads use throwaway
 *   groups `P.out.<party>.reader.*`); writes the inboxes for the
 *   HTTP inbox, and `P.audit` for the records of delegated actions, with transactional ids
 *   `P.mailbox.*`. It writes nothing else: no outbox, no dead letter.
 */
export function kyodoAcls(topicPrefix: string, names: KyodoPrincipalNames): AclBinding[] {
  const g = userPrincipal(names.gateway);
  const a = userPrincipal(names.audit);
  const api = userPrincipal(names.api);
  const P = topicPrefix;
  return [
    ...grant(g, 'topic', 'prefixed', `${P}.in.`, ['read', 'describe', 'create']),
    ...grant(g, 'topic', 'prefixed', `${P}.out.`, ['write', 'describe', 'create']),
    ...grant(g, 'topic', 'literal', `${P}.dlq`, ['write', 'describe', 'create']),
    ...grant(g, 'topic', 'literal', `${P}.audit`, ['write', 'describe', 'create']),
    ...grant(g, 'topic', 'literal', `${P}.gateway.accepted`, ['read', 'write', 'describe', 'create']),
    ...grant(g, 'group', 'literal', `${P}.gateway`, ['read']),
    // The accepted-ids restore reads its state topic in throwaway groups, committing nothing.
    ...grant(g, 'group', 'prefixed', `${P}.gateway.accepted.reader.`, ['read']),
    ...grant(g, 'transactional-id', 'prefixed', `${P}.gateway.`, ['write', 'describe']),
    ...grant(a, 'topic', 'literal', `${P}.audit`, ['read', 'describe', 'create']),
    ...grant(a, 'topic', 'literal', `${P}.dlq`, ['describe', 'create']),
    ...grant(a, 'topic', 'literal', `${P}.gateway.accepted`, ['describe', 'create']),
    ...grant(a, 'group', 'literal', `${P}.audit-writer`, ['read']),
    ...grant(api, 'topic', 'prefixed', `${P}.out.`, ['read', 'describe']),
    ...grant(api, 'group', 'prefixed', `${P}.reconcile.`, ['read']),
    ...grant(api, 'group', 'prefixed', `${P}.mailbox.`, ['read']),
    // The mailbox reads a bundle's ranges in throwaway groups named after the outbox, committing nothing.
    ...grant(api, 'group', 'prefixed', `${P}.out.`, ['read']),
    ...grant(api, 'topic', 'prefixed', `${P}.in.`, ['write', 'describe']),
    ...grant(api, 'topic', 'literal', `${P}.audit`, ['write', 'describe']),
    ...grant(api, 'transactional-id', 'prefixed', `${P}.mailbox.`, ['write', 'describe']),
  ];
}

export function aclKey(b: AclBinding): string {
  return `${b.principal}|${b.resource}|${b.pattern}|${b.name}|${b.operation}`;
}

/**
 * What to create and what to delete so that the bindings `managed` selects are exactly `wanted`
 * (a party's principal: all of its ACLs; Kyodo's app principals: those under one topic prefix, since
 * one broker may serve several).
 */
export function aclChanges(
  wanted: readonly AclBinding[],
  existing: readonly AclBinding[],
  managed: (binding: Pick<AclBinding, 'principal' | 'name'>) => boolean,
): { create: AclBinding[]; remove: AclBinding[] } {
  const want = new Map(wanted.map((b) => [aclKey(b), b]));
  const have = new Map(existing.filter(managed).map((b) => [aclKey(b), b]));
  return {
    create: [...want.entries()].filter(([k]) => !have.has(k)).map(([, b]) => b),
    remove: [...have.entries()].filter(([k]) => !want.has(k)).map(([, b]) => b),
  };
}
