import { Module } from '@nestjs/common';
import { AuditBatchController } from './audit-batch.controller';
import { AuditWriterService } from './audit-writer.service';

/**
 * `kyodo.audit` → PostgreSQL, hash-chained. Needs the PlatformModule, and the Kafka port transport to
 * serve its batch handler (startApp connects it).
 */
@Module({
  controllers: [AuditBatchController],
  providers: [AuditWriterService],
  exports: [AuditWriterService],
})
export class AuditModule {}
