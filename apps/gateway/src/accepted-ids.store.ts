import type { Topics } from '@kyodo/contracts';
import type { KafkaPort, ProducedRecord, TransactionalPipeline } from '@kyodo/kafka';
import type { Logger } from '@kyodo/observability';
import { AcceptedIds, idHash } from '@kyodo/routing';

/** One state record: the ids a batch accepted on one inbox partition, and when. */
interface StateRecord {
  /** `<inbox topic>:<partition>` */
  readonly p: string;
  /** Epoch milliseconds of acceptance. */
  readonly t: number;
  /** idHash(source, id) of each accepted input. */
  readonly h: readonly number[];
}

/** Which partition of the state topic holds an inbox partition's ids: stable, spread by hash. */
export function statePartition(partitionKey: string, partitions: number): number {
  return idHash(partitionKey, '') % partitions;
}

/**
 * The gateway side of duplicate refusal: keeps the AcceptedIds memory in step with the state topic.
 * Each batch's newly accepted ids become state records in the batch's own transaction; when the
 * consumer group generation changes (this instance may have been given partitions another instance
 * processed), the memory is rebuilt from the state topic for exactly the partitions now assigned,
 * reading read_committed up to the high watermark, so a predecessor's last transaction is seen.
 */
export class AcceptedIdsStore {
  readonly ids: AcceptedIds;
  private generation: number | undefined;
  private statePartitions: number | undefined;
  private batches = 0;

  constructor(
    private readonly kafka: KafkaPort,
    private readonly topics: Topics,
    private readonly logger: Logger,
    windowMs: number,
    private readonly clock: () => Date,
  ) {
    this.ids = new AcceptedIds(windowMs);
  }

  /** Before routing a batch: after a rebalance, restores the memory of the partitions now assigned. */
  async prepare(generation: number, pipeline: TransactionalPipeline): Promise<void> {
    if (generation === this.generation) {
      if (++this.batches % 1000 === 0) this.ids.expire(this.clock().getTime());
      return;
    }
    const started = performance.now();
    const assigned = new Set(
      pipeline
        .assignment()
        .filter((tp) => this.topics.senderOf(tp.topic) !== undefined)
        .map((tp) => AcceptedIds.key(tp.topic, tp.partition)),
    );
    // A new generation: nothing routed before it will commit.
    this.ids.discard();
    this.ids.retain(new Set());
    const partitions = await this.partitionCount();
    const wanted = new Set([...assigned].map((key) => statePartition(key, partitions)));
    const offsets = await this.kafka.topicOffsets(this.topics.accepted);
    const from = offsets
      .filter((o) => wanted.has(o.partition))
      .map((o) => ({ partition: o.partition, from: o.low }));
    const records = await this.kafka.readPartitions(this.topics.accepted, from);
    const now = this.clock().getTime();
    let restored = 0;
    for (const record of records) {
      if (!record.value) continue;
      let state: StateRecord;
      try {
        state = JSON.parse(record.value.toString('utf8')) as StateRecord;
      } catch {
        this.logger.warn(
          { partition: record.partition, offset: record.offset },
          'unreadable accepted-ids record skipped',
        );
        continue;
      }
      if (!assigned.has(state.p) || now - state.t >= this.ids.windowMs) continue;
      this.ids.restore(state.p, state.h, state.t);
      restored += state.h.length;
    }
    this.generation = generation;
    this.logger.info(
      {
        generation,
        partitions: assigned.size,
        stateRecords: records.length,
        idsRestored: restored,
        ms: Math.round(performance.now() - started),
      },
      'accepted ids restored',
    );
  }

  /** The state records of what the batch being routed accepted; they commit with its outputs. */
  stateRecords(): ProducedRecord[] {
    const out: ProducedRecord[] = [];
    const partitions = this.statePartitions ?? 1;
    for (const [key, entries] of this.ids.stagedEntries()) {
      if (entries.size === 0) continue;
      let t = 0;
      for (const at of entries.values()) t = Math.max(t, at);
      const state: StateRecord = { p: key, t, h: [...entries.keys()] };
      out.push({
        topic: this.topics.accepted,
        partition: statePartition(key, partitions),
        key,
        value: JSON.stringify(state),
      });
    }
    return out;
  }

  discard(): void {
    this.ids.discard();
  }

  private async partitionCount(): Promise<number> {
    this.statePartitions ??= (await this.kafka.topicOffsets(this.topics.accepted)).length || 1;
    return this.statePartitions;
  }
}
