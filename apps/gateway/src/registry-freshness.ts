/** A change between a current and a stale registry copy, for the log and the metric. */
export interface FreshnessChange {
  readonly stale: boolean;
  /** Milliseconds since the copy was last confirmed current (Infinity before the first time). */
  readonly ageMs: number;
}

/**
 * Whether the gateway's registry copy is current enough to deliver under consent (contract v1.1): it
 * is, while the last successful refresh began no more than `maxStalenessMs` ago by the injected clock.
 * Never confirmed counts as stale. `onChange` is told each time the answer flips.
 */
export class RegistryFreshness {
  private confirmedAt: number | undefined;
  private stale: boolean | undefined;

  constructor(
    private readonly maxStalenessMs: number,
    private readonly clock: () => Date,
    private readonly onChange: (change: FreshnessChange) => void = () => undefined,
  ) {}

  now(): number {
    return this.clock().getTime();
  }

  /** The registry was found current as of `at` (when the successful refresh began). */
  confirmed(at: number): void {
    if (this.confirmedAt === undefined || at > this.confirmedAt) this.confirmedAt = at;
  }

  ageMs(): number {
    return this.confirmedAt === undefined ? Infinity : Math.max(0, this.now() - this.confirmedAt);
  }

  isCurrent(): boolean {
    const age = this.ageMs();
    const stale = !(age <= this.maxStalenessMs);
    if (stale !== this.stale) {
      // The first answer is only reported when it is stale.
      if (this.stale !== undefined || stale) this.onChange({ stale, ageMs: age });
      this.stale = stale;
    }
    return !stale;
  }
}
