import { IllegalTransitionError, Lifecycle } from './lifecycle';

describe('Lifecycle', () => {
  it('follows the table: start, run, recover, run again, stop', () => {
    const life = new Lifecycle();
    for (const next of [
      'starting',
      'running',
      'recovering',
      'starting',
      'running',
      'stopping',
      'stopped',
    ] as const) {
      life.to(next);
      expect(life.state).toBe(next);
    }
  });

  it.each([
    ['idle', 'running'],
    ['idle', 'recovering'],
    ['stopped', 'starting'],
  ] as const)('refuses %s → %s', (from, to) => {
    const life = new Lifecycle();
    const path: Record<string, readonly ('starting' | 'running' | 'stopping' | 'stopped')[]> = {
      idle: [],
      stopped: ['stopping', 'stopped'],
    };
    for (const step of path[from]) life.to(step);
    expect(() => life.to(to)).toThrow(IllegalTransitionError);
    expect(life.state).toBe(from);
  });

  it('can stop from any live state, and only once', () => {
    for (const start of [[], ['starting'], ['starting', 'running'], ['starting', 'recovering']] as const) {
      const life = new Lifecycle();
      for (const step of start) life.to(step);
      life.to('stopping');
      expect(() => life.to('stopping')).toThrow(IllegalTransitionError);
    }
  });
});
