import type { RegistryData } from '@kyodo/contracts';
import { factory } from '@kyodo/contracts/testing';
import type { Sent } from '../audit/audit-support';

// Shared by the subject-notice tests: a registry, demo-like traffic about three supply points, and
// acknowledgements as a party would send them.

export const SP_A = '0300000000000000004711'; // the customer asking for a correction (Tokyo)
export const SP_B = '0600000000000000000815'; // another customer in the same run (Kansai)
export const SP_NONE = '0300000000000000009999'; // a customer nobody received anything about

export const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'R0002', role: 'retailer', name: 'Sakura Denryoku' },
    { id: 'R0003', role: 'retailer', name: 'Kansai Light' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'TD06', role: 'tdso', area: '06', name: 'Kansai T&D' },
    { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
    { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
    { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
    { id: 'TP002', role: 'third-party', name: 'Kakeibo Navi' },
  ],
  enrollments: [{ aggregatorId: 'DR001', supplyPointId: SP_A, from: '2026-04-01', to: '2027-03-31' }],
  consents: [
    {
      id: 'C-A1',
      thirdPartyId: 'TP001',
      supplyPointId: SP_A,
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
    {
      id: 'C-B1',
      thirdPartyId: 'TP002',
      supplyPointId: SP_B,
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
  ],
};

export function traffic(): Sent[] {
  const days = ['2026-11-20', '2026-11-21', '2026-11-22'];
  return [
    ...days.map((day, i) => ({
      sender: 'TD03',
      event: factory.meterReading({
        seed: 10 + i,
        area: '03',
        supplyPointId: SP_A,
        retailerId: 'R0001',
        readingDate: day,
        sender: 'TD03',
      }),
    })),
    {
      sender: 'R0002', // the gaining retailer asks for the switch: it never receives its own event
      event: factory.contractSwitch({
        seed: 20,
        area: '03',
        supplyPointId: SP_A,
        phase: 'requested',
        fromRetailerId: 'R0001',
        toRetailerId: 'R0002',
        effectiveDate: '2026-12-01',
        sender: 'R0002',
      }),
    },
    {
      sender: 'DR001',
      event: factory.negawatt({
        seed: 30,
        area: '03',
        supplyPointId: SP_A,
        contractorId: 'DR001',
        retailerId: 'R0001',
        date: '2026-11-21',
        sender: 'DR001',
      }),
    },
    ...days.map((day, i) => ({
      sender: 'TD06',
      event: factory.meterReading({
        seed: 40 + i,
        area: '06',
        supplyPointId: SP_B,
        retailerId: 'R0003',
        readingDate: day,
        sender: 'TD06',
      }),
    })),
  ];
}

export function ack(
  prefix: string,
  sender: string,
  noticeId: string,
  id: string,
  subject = SP_A,
): { topic: string; key: string; value: string } {
  const event = {
    specversion: '1.0',
    id,
    source: `urn:kyodo:party:${sender}`,
    type: 'jp.kyodo.subject-notice-ack.v1',
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { noticeId, done: true },
  };
  return { topic: `${prefix}.in.${sender}`, key: subject, value: JSON.stringify(event) };
}
