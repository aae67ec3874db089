import { Module } from '@nestjs/common';
import { AuditWriterService } from './audit-writer.service';

/** `kyodo.audit` → PostgreSQL, hash-chained. Needs the PlatformModule. */
@Module({ providers: [AuditWriterService], exports: [AuditWriterService] })
export class AuditModule {}
