import { KafkaJsClient } from './kafkajs-client';
import type { KafkaLogger } from './logger';
import type { KafkaClientKind, KafkaPort, KafkaSecurity } from './port';

export interface KafkaClientOptions {
  /** Which adapter: `platformatic` (the default; fences by generation) or `kafkajs`. */
  readonly client?: KafkaClientKind;
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: KafkaLogger;
  readonly replicationFactor?: number;
  readonly defaultPartitions?: number;
  readonly security?: KafkaSecurity;
}

export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = 'platformatic';

/**
 * The one place that chooses the Kafka adapter behind the port. @platformatic/kafka is an ES module,
 * loaded only when chosen (Node.js ≥ 20.19 requires ES modules; the tests transpile it, see jest.config.js).
 */
export function createKafkaClient(options: KafkaClientOptions): KafkaPort {
  const { client = DEFAULT_KAFKA_CLIENT, ...rest } = options;
  if (client === 'kafkajs') return new KafkaJsClient(rest);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PlatformaticClient } = require('./platformatic/client') as typeof import('./platformatic/client');
  return new PlatformaticClient(rest);
}
