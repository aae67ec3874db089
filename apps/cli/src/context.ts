import { resolve } from 'node:path';
import type { KyodoConfig } from '@kyodo/config';
import { LocalKafka } from '@kyodo/infra';
import { createKafkaClient, type KafkaPort } from '@kyodo/kafka';
import { kafkaClientOptions } from '@kyodo/platform';

/** What every command gets: the parsed config and the ways to reach Kafka, with output kept apart from progress. */
export class CliContext {
  readonly repoRoot = resolve(__dirname, '..', '..', '..', '..');

  constructor(
    readonly config: KyodoConfig,
    readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    readonly progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** A Kafka client on the configured adapter and security, named `<client id>-<purpose>`. */
  kafka(purpose: string): KafkaPort {
    return createKafkaClient({
      client: this.config.kafkaClient,
      ...kafkaClientOptions(this.config, `${this.config.kafkaClientId}-${purpose}`),
    });
  }

  localKafka(): LocalKafka {
    return new LocalKafka({
      repoRoot: this.repoRoot,
      cacheDir: this.config.cacheDir,
      stateDir: this.config.stateDir,
      progress: this.progress,
    });
  }

  /** KAFKA_BROKERS set: check that cluster answers. Unset: start (or reuse) the local broker. */
  async ensureKafka(): Promise<readonly string[]> {
    if (this.config.kafkaBrokersFromEnv) {
      const client = createKafkaClient({
        client: this.config.kafkaClient,
        ...kafkaClientOptions(this.config, 'kyodo-cli'),
      });
      try {
        await client.ping();
      } finally {
        await client.close();
      }
      this.progress(`Using the Kafka cluster in KAFKA_BROKERS (${this.config.kafkaBrokers.join(',')})`);
      return this.config.kafkaBrokers;
    }
    const status = await this.localKafka().up();
    return status.brokers;
  }
}
