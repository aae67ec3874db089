import { runStandalone } from '@kyodo/platform';
import { AuditModule } from './audit.module';

/** The audit writer alone: `kyodo.audit` → PostgreSQL, with health and metrics on HTTP. */
runStandalone('audit', [AuditModule]);
