import type { PipelineState } from './port';

/** Which state may follow which: anything else is a bug, and throws. */
const TRANSITIONS: Readonly<Record<PipelineState, readonly PipelineState[]>> = {
  idle: ['starting', 'stopping'],
  starting: ['running', 'recovering', 'stopping'],
  running: ['recovering', 'starting', 'stopping'],
  recovering: ['starting', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

/** A pipeline's life as one state value with a table of allowed transitions. */
export class Lifecycle {
  private current: PipelineState = 'idle';

  get state(): PipelineState {
    return this.current;
  }

  /** Moves to `next`; throws on a transition the table does not allow. */
  to(next: PipelineState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new IllegalTransitionError(`pipeline cannot go from ${this.current} to ${next}`);
    }
    this.current = next;
  }

  is(...states: PipelineState[]): boolean {
    return states.includes(this.current);
  }
}
