import { runStandalone } from '@kyodo/platform';
import { GatewayModule } from './gateway.module';

/** The gateway alone (for scaling out): Kafka in → policy → Kafka out, with health and metrics on HTTP. */
runStandalone('gateway', [GatewayModule]);
