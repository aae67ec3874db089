import { Registry1764201600000 } from './1764201600000-registry';
import { Audit1764201600001 } from './1764201600001-audit';
import { ApiKeys1764201600002 } from './1764201600002-api-keys';
import { AuditCheckRuns1764201600100 } from './1764201600100-audit-check-runs';
import { SubjectNotices1764201600101 } from './1764201600101-subject-notices';
import { Trust1764466200000 } from './1764466200000-trust';
import { DlqOperations1764480000000 } from './1764480000000-dlq-operations';
import { Mailbox1764510000000 } from './1764510000000-mailbox';
import { RegistryChanges1764547200000 } from './1764547200000-registry-changes';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  Registry1764201600000,
  Audit1764201600001,
  ApiKeys1764201600002,
  AuditCheckRuns1764201600100,
  SubjectNotices1764201600101,
  Trust1764466200000,
  DlqOperations1764480000000,
  Mailbox1764510000000,
  RegistryChanges1764547200000,
];
