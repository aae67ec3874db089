import type { SubjectNoticeData } from './schema';

/** A correction notice to the tdso TD03 about two deliveries it received. */
export const validSubjectNoticeData: SubjectNoticeData = {
  kind: 'correction',
  reference: 'REQ-2026-0042',
  from: '2026-11-01T00:00:00.000Z',
  to: null,
  fields: ['customer.address', 'customer.name', 'switchId'],
  deliveries: ['5f0c7a52-3c1e-5d2b-9a41-2f7e9b1c3d40', '0b6e2d11-7a3c-5e9f-8b20-4c1d6e9f2a71'],
};

export const invalidSubjectNoticeData: readonly { name: string; value: unknown }[] = [
  { name: 'kind unknown', value: { ...validSubjectNoticeData, kind: 'inquiry' } },
  { name: 'reference with spaces', value: { ...validSubjectNoticeData, reference: 'Mr Tanaka' } },
  { name: 'no fields', value: { ...validSubjectNoticeData, fields: [] } },
  { name: 'no deliveries', value: { ...validSubjectNoticeData, deliveries: [] } },
  { name: 'from not a date-time', value: { ...validSubjectNoticeData, from: '2026-11-01' } },
];
