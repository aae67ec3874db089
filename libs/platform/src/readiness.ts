/** A part of the process that can be down while the process lives (a consumer crash-looping, say). */
export interface ReadinessProbe {
  readonly name: string;
  /** null when ready; otherwise why not, for the log (never sent to the caller). */
  check(): string | null;
}

/** The probes `/health/ready` asks besides Kafka and PostgreSQL; apps register theirs at start. */
export class ReadinessProbes {
  private readonly probes: ReadinessProbe[] = [];

  register(probe: ReadinessProbe): void {
    this.probes.push(probe);
  }

  check(): { name: string; problem: string | null }[] {
    return this.probes.map((p) => ({ name: p.name, problem: p.check() }));
  }
}
