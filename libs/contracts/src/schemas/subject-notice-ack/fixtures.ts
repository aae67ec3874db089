import type { SubjectNoticeAckData } from './schema';

export const validSubjectNoticeAckData: SubjectNoticeAckData = {
  noticeId: '3d6f0a1e-9b2c-5e47-8a13-6c0d2e9f4b58.0123456789abcdef0123456789abcdef',
  done: true,
};

export const invalidSubjectNoticeAckData: readonly { name: string; value: unknown }[] = [
  { name: 'done false', value: { ...validSubjectNoticeAckData, done: false } },
  { name: 'done missing', value: { noticeId: validSubjectNoticeAckData.noticeId } },
  { name: 'noticeId not issued by Kyodo', value: { ...validSubjectNoticeAckData, noticeId: 'N-1' } },
  { name: 'noticeId missing', value: { done: true } },
];
