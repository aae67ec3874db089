import { factory, toRecordValue } from '@kyodo/contracts/testing';
import {
  STRUCTURED_EVENT_HEADERS,
  type AreaCode,
  type InboundEvent,
  type RegistrySnapshot,
  type Topics,
} from '@kyodo/contracts';
import type { ProducedRecord } from '@kyodo/kafka';

/**
 * Realistic synthetic traffic for the demo registry: retail switches through their phases, a month of
 * daily meter readings, negawatt dispatches, and a handful of records the gateway must reject. Each
 * event comes from a party that may send it (contract v1.1): switches from the gaining retailer,
 * readings from the area's TSO, dispatches from the contracted aggregator.
 */
export interface DemoTraffic {
  readonly records: ProducedRecord[];
  readonly counts: Record<string, number>;
}

const SWITCH_PHASES = ['requested', 'accepted', 'completed'] as const;

export function demoTraffic(registry: RegistrySnapshot, topics: Topics, days = 30): DemoTraffic {
  const records: ProducedRecord[] = [];
  const counts: Record<string, number> = {
    'contract-switch': 0,
    'meter-reading': 0,
    negawatt: 0,
    invalid: 0,
  };
  const send = (sender: string, event: InboundEvent) => {
    records.push({
      topic: topics.inbox(sender),
      key: event.subject,
      value: toRecordValue(event),
      headers: STRUCTURED_EVENT_HEADERS,
    });
  };
  const areas = (['03', '06', '09'] as AreaCode[]).filter((a) => registry.tdsoFor(a));
  let seed = 1000;
  for (const area of areas) {
    const tdso = registry.tdsoFor(area)!;
    for (let n = 1; n <= 5; n += 1) {
      const spid = `${area}${String(n).padStart(20, '0')}`;
      // A switch from R0001 to R0002 (the gaining retailer sends each phase), on a remote island at n = 5.
      for (const phase of SWITCH_PHASES) {
        send(
          'R0002',
          factory.contractSwitch({
            seed: (seed += 1),
            area,
            supplyPointId: spid,
            // Unique per sender: a CloudEvent id may not repeat for one source (the gateway refuses it).
            switchId: `SW-${area}-${String(n).padStart(4, '0')}`,
            phase,
            fromRetailerId: 'R0001',
            toRetailerId: 'R0002',
            remoteIsland: n === 5,
            sender: 'R0002',
            time: `2026-11-${String(10 + SWITCH_PHASES.indexOf(phase)).padStart(2, '0')}T01:00:00Z`,
          }),
        );
        counts['contract-switch'] += 1;
      }
      // The area's TSO sends the daily meter reading to the retailer.
      for (let day = 1; day <= days; day += 1) {
        const date = `2026-11-${String(day).padStart(2, '0')}`;
        send(
          tdso.id,
          factory.meterReading({
            seed: (seed += 1),
            area,
            supplyPointId: spid,
            retailerId: 'R0002',
            readingDate: date,
            sender: tdso.id,
            id: `MR-${area}${n}-${date}`,
            time: `${date}T15:30:00Z`,
          }),
        );
        counts['meter-reading'] += 1;
      }
      if (n <= 2) {
        send(
          'DR001',
          factory.negawatt({
            seed: (seed += 1),
            area,
            supplyPointId: spid,
            contractorId: 'DR001',
            retailerId: 'R0002',
            dispatchId: `D-${spid.slice(-4)}`,
            date: '2026-11-26',
            sender: 'DR001',
            time: '2026-11-26T08:00:00Z',
          }),
        );
        counts.negawatt += 1;
      }
    }
  }
  // Records the gateway must reject, each for a different reason.
  const bad = factory.meterReading({
    seed: 1,
    area: '03',
    supplyPointId: '0300000000000000000001',
    retailerId: 'R0002',
    sender: 'TD03',
  });
  const invalid: ProducedRecord[] = [
    { topic: topics.inbox('TD03'), key: bad.subject, value: 'this is not JSON' },
    {
      topic: topics.inbox('TD03'),
      key: bad.subject,
      value: toRecordValue({ ...bad, source: 'urn:kyodo:party:TD06' }),
    },
    {
      topic: topics.inbox('TD03'),
      key: bad.subject,
      value: toRecordValue({ ...bad, type: 'jp.kyodo.unknown.v1' }),
    },
    {
      topic: topics.inbox('TD03'),
      key: bad.subject,
      value: toRecordValue({ ...bad, data: { ...bad.data, totalKwh: -1 } }),
    },
    { topic: topics.inbox('TD03'), key: '0600000000000000000001', value: toRecordValue(bad) },
    {
      topic: topics.inbox('TD03'),
      key: bad.subject,
      value: toRecordValue({ ...bad, data: { ...bad.data, retailerId: 'R9999' } }),
    },
    // A third party may not send a contract switch (sender-not-allowed).
    {
      topic: topics.inbox('TP001'),
      key: bad.subject,
      value: toRecordValue(
        factory.contractSwitch({
          seed: 2,
          area: '03',
          supplyPointId: bad.subject,
          fromRetailerId: 'R0001',
          toRetailerId: 'R0002',
          sender: 'TP001',
        }),
      ),
    },
  ];
  records.push(...invalid);
  counts.invalid = invalid.length;
  return { records, counts };
}
