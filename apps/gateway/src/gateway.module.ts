import { Module } from '@nestjs/common';
import { GatewayBatchController } from './gateway-batch.controller';
import { GatewayService } from './gateway.service';
import { policyProvider } from './policy.provider';
import { RegistryWatcher } from './registry-watcher.service';

/**
 * Kafka in → policy → Kafka out. Needs the PlatformModule, and the Kafka port transport to serve its
 * batch handler (startApp connects it).
 */
@Module({
  controllers: [GatewayBatchController],
  providers: [policyProvider, RegistryWatcher, GatewayService],
  exports: [GatewayService, RegistryWatcher],
})
export class GatewayModule {}
