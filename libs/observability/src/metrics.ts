import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics shared by the apps; one registry per process, served at GET /metrics. */
export class KyodoMetrics {
  readonly registry = new Registry();
  readonly recordsIn = new Counter({
    name: 'kyodo_gateway_records_in_total',
    help: 'Inbound records read by the gateway',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'kyodo_gateway_deliveries_total',
    help: 'Outbound events delivered, per recipient role',
    labelNames: ['type', 'role'] as const,
    registers: [this.registry],
  });
  readonly inputsDelivered = new Counter({
    name: 'kyodo_gateway_inputs_delivered_total',
    help: 'Inbound records accepted (routed to zero or more recipients)',
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'kyodo_gateway_rejections_total',
    help: 'Inbound records rejected to the dead-letter topic, per reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly fieldsDelivered = new Counter({
    name: 'kyodo_gateway_fields_delivered_total',
    help: 'Field paths delivered, summed over deliveries, per recipient role and purposes (space-separated)',
    labelNames: ['role', 'purpose'] as const,
    registers: [this.registry],
  });
  readonly fieldsWithheld = new Counter({
    name: 'kyodo_gateway_fields_withheld_total',
    help: 'Field paths present in the input but withheld, summed over deliveries, per recipient role and purposes',
    labelNames: ['role', 'purpose'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'kyodo_gateway_batch_seconds',
    help: 'Time to process and commit one batch transaction',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly auditRowsWritten = new Counter({
    name: 'kyodo_audit_rows_written_total',
    help: 'Audit rows appended to PostgreSQL',
    registers: [this.registry],
  });
  readonly auditRowsSkipped = new Counter({
    name: 'kyodo_audit_rows_skipped_total',
    help: 'Re-delivered audit records skipped (already chained)',
    registers: [this.registry],
  });
  readonly auditRecordsUnreadable = new Counter({
    name: 'kyodo_audit_records_unreadable_total',
    help: 'Audit-topic records that could not be read and were skipped (each one is logged with its offset)',
    registers: [this.registry],
  });
  readonly registryVersion = new Gauge({
    name: 'kyodo_registry_version',
    help: 'Registry version the gateway currently routes with',
    registers: [this.registry],
  });

  readonly pipelineState = new Gauge({
    name: 'kyodo_gateway_pipeline_state',
    help: 'The gateway pipeline state: 1 for the current one (starting, running, recovering, stopping, stopped)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly pipelineFailures = new Gauge({
    name: 'kyodo_gateway_pipeline_consecutive_failures',
    help: 'Failures since the last committed batch; growing means the pipeline is crash-looping',
    registers: [this.registry],
  });
  readonly lastCommitAge = new Gauge({
    name: 'kyodo_gateway_last_commit_age_seconds',
    help: 'Seconds since the gateway last committed a batch transaction (-1 before the first)',
    registers: [this.registry],
  });
  readonly inboxLag = new Gauge({
    name: 'kyodo_gateway_inbox_lag',
    help: 'Records in each inbox not yet committed by the gateway consumer group',
    labelNames: ['inbox'] as const,
    registers: [this.registry],
  });
  readonly acceptedIdsRemembered = new Gauge({
    name: 'kyodo_gateway_accepted_ids',
    help: 'Accepted (source, id) pairs remembered to refuse re-sent events',
    registers: [this.registry],
  });
  readonly fencedBatches = new Counter({
    name: 'kyodo_gateway_batches_aborted_total',
    help: 'Batches whose transaction did not commit (fenced by a rebalance, or failed), per kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly registryStale = new Gauge({
    name: 'kyodo_registry_stale',
    help: '1 while the gateway registry copy is older than KYODO_REGISTRY_MAX_STALENESS_MS (nothing is delivered under consent then), else 0',
    registers: [this.registry],
  });
  readonly registryAgeSeconds = new Gauge({
    name: 'kyodo_registry_age_seconds',
    help: 'Seconds since the gateway last confirmed its registry copy current',
    registers: [this.registry],
  });
  readonly registryReloads = new Counter({
    name: 'kyodo_registry_reloads_total',
    help: 'Times the gateway dropped every supply point it held and reloaded the parties (start, or a change log it could not follow)',
    registers: [this.registry],
  });
  readonly registryChangesApplied = new Counter({
    name: 'kyodo_registry_changes_applied_total',
    help: 'Registry changes the gateway applied from the change log, by kind (party, agreement, supply-point, all-supply-points)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly registrySupplyPointLookups = new Counter({
    name: 'kyodo_registry_supply_point_lookups_total',
    help: "Supply points a batch needed, by where their enrollments and consents were found: 'cache' or 'database'",
    labelNames: ['from'],
    registers: [this.registry],
  });
  readonly registrySupplyPointsCached = new Gauge({
    name: 'kyodo_registry_supply_points_cached',
    help: 'Supply points whose enrollments and consents the gateway holds (bounded by KYODO_REGISTRY_CACHE_SUPPLY_POINTS)',
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'kyodo_' });
  }
}
