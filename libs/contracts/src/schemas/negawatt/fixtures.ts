import type { InboundEvent } from '../../events';
import type { InvalidFixture } from '../common';
import type { NegawattData } from './schema';

export const NEGAWATT_FIXTURE_SUPPLY_POINT = '0300000000000000000001';

/** An evening dispatch by the aggregator DR001 for a customer of R0001; synthetic figures. */
export const validNegawattData: NegawattData = {
  contractorId: 'DR001',
  retailerId: 'R0001',
  dispatchId: 'D-20261126-0042',
  date: '2026-11-26',
  negawatt: {
    baseline: [
      { start: '2026-11-26T17:00:00+09:00', kw: 2.4 },
      { start: '2026-11-26T17:30:00+09:00', kw: 2.6 },
      { start: '2026-11-26T18:00:00+09:00', kw: 2.9 },
      { start: '2026-11-26T18:30:00+09:00', kw: 3.1 },
    ],
    demandControl: {
      requestedKw: 1.2,
      from: '2026-11-26T17:00:00+09:00',
      to: '2026-11-26T19:00:00+09:00',
      achievedKw: 1.05,
      method: 'エアコン設定温度の変更',
    },
    supplyDemand: { settlementType: '類型1①', imbalanceKwh: 0.08 },
    generationSales: { contractedKwh: 2.4, unitPriceJpyPerKwh: 12.5 },
  },
};

export const validNegawattEvent: InboundEvent = {
  specversion: '1.0',
  id: 'D-20261126-0042-0300000000000000000001',
  source: 'urn:kyodo:party:DR001',
  type: 'jp.kyodo.negawatt.v1',
  subject: NEGAWATT_FIXTURE_SUPPLY_POINT,
  time: '2026-11-26T19:05:00+09:00',
  data: validNegawattData,
};

function variant(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...validNegawattData, ...patch };
}
function without(key: keyof NegawattData): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validNegawattData };
  delete copy[key];
  return copy;
}

/** Data that must be rejected when sent by DR001 with subject `NEGAWATT_FIXTURE_SUPPLY_POINT`. */
export const invalidNegawattData: readonly InvalidFixture[] = [
  {
    name: 'contractorId missing',
    value: without('contractorId'),
    reason: 'invalid-data',
    message: 'data.contractorId is required',
  },
  {
    name: 'retailerId missing',
    value: without('retailerId'),
    reason: 'invalid-data',
    message: 'data.retailerId is required',
  },
  {
    name: 'dispatchId missing',
    value: without('dispatchId'),
    reason: 'invalid-data',
    message: 'data.dispatchId is required',
  },
  { name: 'date missing', value: without('date'), reason: 'invalid-data', message: 'data.date is required' },
  {
    name: 'dispatchId empty',
    value: variant({ dispatchId: '' }),
    reason: 'invalid-data',
    message: 'data.dispatchId must not be empty',
  },
  {
    name: 'date April 31',
    value: variant({ date: '2026-04-31' }),
    reason: 'out-of-range',
    message: 'data.date must be a real calendar date',
  },
  {
    name: 'negawatt a string',
    value: variant({ negawatt: 'yes' }),
    reason: 'invalid-data',
    message: 'data.negawatt must be an object, got a string of 3 characters',
  },
  {
    name: 'baseline an object',
    value: variant({ negawatt: { baseline: { kw: 2.4 } } }),
    reason: 'invalid-data',
    message: 'data.negawatt.baseline must be an array, got an object',
  },
  {
    name: 'demandControl an array',
    value: variant({ negawatt: { demandControl: [1.2] } }),
    reason: 'invalid-data',
    message: 'data.negawatt.demandControl must be an object, got an array',
  },
];
