import { aclChanges, kyodoAcls, partyAcls, userPrincipal } from './acls';

describe('secured broker ACLs', () => {
  it("gives a party exactly the contract's seven ACLs", () => {
    expect(
      partyAcls('kyodo', 'R0001').map((b) => `${b.resource}:${b.pattern}:${b.name}:${b.operation}`),
    ).toEqual([
      'topic:literal:kyodo.in.R0001:write',
      'topic:literal:kyodo.in.R0001:describe',
      'topic:literal:kyodo.out.R0001:read',
      'topic:literal:kyodo.out.R0001:describe',
      'group:prefixed:R0001.:read',
      'transactional-id:prefixed:R0001.:write',
      'transactional-id:prefixed:R0001.:describe',
    ]);
  });

  it("keeps Kyodo's apps under their topic prefix; the audit writer writes nothing, the API only inboxes and the audit", () => {
    const acls = kyodoAcls('p', { gateway: 'g', audit: 'a', api: 'x' });
    expect(acls.every((b) => b.name.startsWith('p.'))).toBe(true);
    expect(acls.filter((b) => b.principal === 'User:a' && b.operation === 'write')).toEqual([]);
    expect(
      acls
        .filter((b) => b.principal === 'User:x' && b.operation === 'write')
        .map((b) => `${b.resource}:${b.pattern}:${b.name}`),
    ).toEqual(['topic:prefixed:p.in.', 'topic:literal:p.audit', 'transactional-id:prefixed:p.mailbox.']);
    expect(
      acls
        .filter((b) => b.principal === 'User:x' && b.resource === 'topic' && b.operation === 'read')
        .map((b) => b.name),
    ).toEqual(['p.out.']);
  });

  it('adds what is missing and removes what a managed principal holds beyond it', () => {
    const wanted = partyAcls('k', 'A');
    const extra = { ...wanted[0], name: 'k.out.B', operation: 'read' as const };
    const other = { ...extra, principal: userPrincipal('Z') };
    const changes = aclChanges(wanted, [wanted[1], extra, other], (b) => b.principal === userPrincipal('A'));
    expect(changes.remove).toEqual([extra]);
    expect(changes.create).toHaveLength(wanted.length - 1);
    expect(aclChanges(wanted, wanted, () => true)).toEqual({ create: [], remove: [] });
  });
});
