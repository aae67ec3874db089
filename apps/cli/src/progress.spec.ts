import { startProgress } from './progress';

describe('progress without a terminal', () => {
  it('prints a plain line every tenth of the total, naming where the work is', () => {
    const lines: string[] = [];
    const progress = startProgress({ out: () => undefined, progress: (l) => lines.push(l) }, 'redrive', {
      unit: 'letters',
      total: 20,
      tty: false,
    });
    for (let i = 1; i <= 20; i++) progress.increment(1, `0-${i}`);
    progress.stop();
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('… redrive: 2/20 letters (0-2)');
    expect(lines[9]).toBe('… redrive: 20/20 letters (0-20)');
  });

  it('without a total, every `every` items', () => {
    const lines: string[] = [];
    const progress = startProgress({ out: () => undefined, progress: (l) => lines.push(l) }, 'verify', {
      unit: 'rows',
      total: 0,
      every: 3,
      tty: false,
    });
    progress.increment(7);
    progress.increment(1);
    expect(lines).toEqual(['… verify: 7 rows']);
  });
});
