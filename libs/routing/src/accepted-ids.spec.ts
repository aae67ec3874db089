import fc from 'fast-check';
import { AcceptedIds, idHash } from './accepted-ids';

const DAY = 24 * 3600_000;
const P = AcceptedIds.key('kyodo.in.TD03', 1);

describe('AcceptedIds', () => {
  it('remembers a committed acceptance within the window, and only there', () => {
    const ids = new AcceptedIds(7 * DAY);
    ids.stage(P, 'urn:kyodo:party:TD03', 'e1', 0);
    ids.commit();
    expect(ids.has(P, 'urn:kyodo:party:TD03', 'e1', 6 * DAY)).toBe(true);
    expect(ids.has(P, 'urn:kyodo:party:TD03', 'e1', 7 * DAY)).toBe(false);
    expect(ids.has(P, 'urn:kyodo:party:TD03', 'e2', DAY)).toBe(false);
    expect(ids.has(AcceptedIds.key('kyodo.in.TD03', 0), 'urn:kyodo:party:TD03', 'e1', DAY)).toBe(false);
  });

  it('sees what the batch staged, and forgets it when the batch does not commit', () => {
    const ids = new AcceptedIds();
    ids.stage(P, 's', 'a', 0);
    expect(ids.has(P, 's', 'a', 1)).toBe(true);
    ids.discard();
    expect(ids.has(P, 's', 'a', 1)).toBe(false);
    expect(ids.size).toBe(0);
  });

  it('overlapping batches: the next sees what the committing one staged; each commits its own layer', () => {
    const ids = new AcceptedIds();
    const first = {};
    const second = {};
    ids.begin(first);
    ids.stage(P, 's', 'a', 0);
    ids.begin(second, first);
    expect(ids.has(P, 's', 'a', 1)).toBe(true);
    ids.stage(P, 's', 'b', 0);
    expect([...ids.stagedEntries().get(P)!.keys()]).toEqual([idHash('s', 'b')]);
    ids.commit(first);
    expect(ids.size).toBe(1);
    expect(ids.has(P, 's', 'b', 1)).toBe(true);
    ids.commit(second);
    expect(ids.size).toBe(2);
  });

  it('a new batch drops what any batch but the committing one left staged', () => {
    const ids = new AcceptedIds();
    const failed = {};
    ids.begin(failed);
    ids.stage(P, 's', 'a', 0);
    // `failed` never committed nor was reported: its retry must not see its own ids as duplicates.
    ids.begin({});
    expect(ids.has(P, 's', 'a', 1)).toBe(false);
    ids.commit(failed);
    expect(ids.size).toBe(0);
  });

  it('discard forgets every layer: a failed batch takes the one routed after it along', () => {
    const ids = new AcceptedIds();
    const first = {};
    ids.begin(first);
    ids.stage(P, 's', 'a', 0);
    ids.begin({}, first);
    ids.stage(P, 's', 'b', 0);
    ids.discard();
    expect(ids.has(P, 's', 'a', 1)).toBe(false);
    expect(ids.has(P, 's', 'b', 1)).toBe(false);
  });

  it('restores from state records, keeps the latest time, expires and retains', () => {
    const ids = new AcceptedIds(DAY);
    ids.restore(P, [idHash('s', 'a'), idHash('s', 'b')], 0);
    ids.restore(P, [idHash('s', 'a')], DAY / 2);
    expect(ids.has(P, 's', 'a', DAY)).toBe(true);
    expect(ids.has(P, 's', 'b', DAY)).toBe(false);
    expect(ids.expire(DAY)).toBe(1);
    expect(ids.size).toBe(1);
    ids.retain(new Set());
    expect(ids.size).toBe(0);
  });

  it('separates source from id: ("ab","c") is not ("a","bc")', () => {
    expect(idHash('ab', 'c')).not.toBe(idHash('a', 'bc'));
  });

  it('hashes fit a double exactly and spread: no collision among 200,000 ids', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      const h = idHash('urn:kyodo:party:R0001', `reading-${i}`);
      expect(Number.isSafeInteger(h)).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBe(200_000);
  });

  it('a committed id is always found again, whatever else was staged and discarded (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.string(), fc.boolean()), { minLength: 1, maxLength: 50 }),
        (events) => {
          const ids = new AcceptedIds();
          const committed: [string, string][] = [];
          for (const [source, id, commit] of events) {
            ids.stage(P, source, id, 0);
            if (commit) {
              ids.commit();
              committed.push([source, id]);
            } else ids.discard();
          }
          return committed.every(([s, i]) => ids.has(P, s, i, 1));
        },
      ),
    );
  });
});
