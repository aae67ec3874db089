import { Controller } from '@nestjs/common';
import type { PipelineBatch, ProducedRecord } from '@kyodo/kafka';
import { BatchHandler } from '@kyodo/microservice';
import { GATEWAY_BATCH, GatewayService } from './gateway.service';

/** The gateway's batch handler on the Kafka port transport: a batch in, what to commit with it out. */
@Controller()
export class GatewayBatchController {
  constructor(private readonly gateway: GatewayService) {}

  @BatchHandler(GATEWAY_BATCH)
  route(batch: PipelineBatch): Promise<ProducedRecord[]> {
    return this.gateway.process(batch);
  }
}
