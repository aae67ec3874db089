import type { KyodoConfig } from '@kyodo/config';
import type { KafkaJsClientOptions } from '@kyodo/kafka';

/**
 * What every Kafka client Kyodo makes takes from the configuration: the brokers, TLS and SASL
 * (KAFKA_SASL_*, KAFKA_TLS_CA_FILE) and the replication factor of the topics it creates.
 */
export function kafkaClientOptions(
  config: KyodoConfig,
  clientId: string,
): Pick<KafkaJsClientOptions, 'brokers' | 'clientId' | 'security' | 'replicationFactor'> {
  return {
    brokers: config.kafkaBrokers,
    clientId,
    security: config.kafkaSecurity,
    replicationFactor: config.topicReplication?.replicationFactor ?? 1,
  };
}
