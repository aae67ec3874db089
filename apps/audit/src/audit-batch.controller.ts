import { Controller } from '@nestjs/common';
import type { CommittableBatch } from '@kyodo/kafka';
import { BatchHandler } from '@kyodo/microservice';
import { AUDIT_BATCH, AuditWriterService } from './audit-writer.service';

/** The audit writer's batch handler on the Kafka port transport: written to PostgreSQL, then committed. */
@Controller()
export class AuditBatchController {
  constructor(private readonly writer: AuditWriterService) {}

  @BatchHandler(AUDIT_BATCH)
  write(batch: CommittableBatch): Promise<void> {
    return this.writer.write(batch);
  }
}
