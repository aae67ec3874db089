import { AssignerProtocol, type Admin } from 'kafkajs';
import type { ConsumerGroupDescription } from './port';

/** `KafkaPort.describeGroup` for kafkajs: DescribeGroups, each member's assignment decoded. */
export async function describeKafkaJsGroup(admin: Admin, groupId: string): Promise<ConsumerGroupDescription> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((g) => g.groupId === groupId);
  if (!group) return { groupId, state: 'Dead', members: [] };
  return {
    groupId,
    state: group.state,
    members: group.members
      .map((m) => {
        let assigned = 0;
        try {
          const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          for (const partitions of Object.values(decoded?.assignment ?? {})) assigned += partitions.length;
        } catch {
          // An assignment another client library encoded differently: counted as unknown (0).
        }
        return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, partitions: assigned };
      })
      .sort((a, b) => a.memberId.localeCompare(b.memberId)),
  };
}
