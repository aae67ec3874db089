import { Module } from '@nestjs/common';
import { GatewayService } from './gateway.service';
import { policyProvider } from './policy.provider';
import { RegistryWatcher } from './registry-watcher.service';

/** Kafka in → policy → Kafka out. Needs the PlatformModule. */
@Module({
  providers: [policyProvider, RegistryWatcher, GatewayService],
  exports: [GatewayService, RegistryWatcher],
})
export class GatewayModule {}
