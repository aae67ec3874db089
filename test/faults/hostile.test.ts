import { RegistrySnapshot, topicsFor } from '@kyodo/contracts';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type OutputRecord } from '@kyodo/routing';
import { hostileRecords } from '../../bench/faults/hostile';
import { REGISTRY } from '../../bench/faults/stage';

// The fault suite's hostile traffic, checked against the pure core: every record is rejected, with the
// reason the suite expects of it, so the suite's tally of reasons means what it says.

describe('hostile records of the fault suite', () => {
  it('are each rejected, with the reason the suite expects', () => {
    const topics = topicsFor('kyodo');
    const router = new Router({
      policy: compilePolicy(loadPolicy()),
      topics,
      hmacKey: 'test-key-0123456789',
    });
    const hostile = hostileRecords(topics.inbox('TD03'), 40, 1, 1);
    const registry = new RegistrySnapshot(REGISTRY);
    hostile.forEach((h, offset) => {
      const out: OutputRecord[] = [];
      const stats = router.routeBatch(
        [
          {
            topic: h.record.topic,
            partition: 0,
            offset: String(offset),
            key: h.record.key === null ? null : Buffer.from(h.record.key),
            value: h.record.value as Buffer,
          },
        ],
        registry,
        out,
      );
      expect({ offset, rejected: stats.rejected }).toEqual({ offset, rejected: 1 });
      if (h.reason !== 'any')
        expect({ offset, reasons: stats.rejections }).toEqual({ offset, reasons: { [h.reason]: 1 } });
    });
  });
});
