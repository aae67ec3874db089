import './node20';
import type { BaseOptions, Consumer, MessagesStream, SASLOptions } from '@platformatic/kafka';
import type { KafkaLogger } from '../logger';
import type { KafkaSecurity } from '../port';

export interface PlatformaticClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: KafkaLogger;
  /** Replication factor for created topics; 1 on a single-node cluster. */
  readonly replicationFactor?: number;
  readonly defaultPartitions?: number;
  readonly security?: KafkaSecurity;
  /** Request timeout; a transactional producer's transaction timeout too (the library uses one value). */
  readonly timeoutMs?: number;
}

/**
 * The library's default retry delay is a flat second: after a commit the coordinator answers
 * CONCURRENT_TRANSACTIONS while it writes the markers, and every transaction would stall for a second.
 * Exponential from 10 ms, capped at one second, with jitter.
 */
export function retryDelay(_client: unknown, _operation: string, attempt: number): number {
  const base = Math.min(1000, 10 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export function baseOptions(options: PlatformaticClientOptions, clientId = options.clientId): BaseOptions {
  const security = options.security;
  const sasl: SASLOptions | undefined = security?.sasl
    ? {
        mechanism: (
          { 'scram-sha-512': 'SCRAM-SHA-512', 'scram-sha-256': 'SCRAM-SHA-256', plain: 'PLAIN' } as const
        )[security.sasl.mechanism],
        username: security.sasl.username,
        password: security.sasl.password,
      }
    : undefined;
  return {
    clientId,
    bootstrapBrokers: [...options.brokers],
    timeout: options.timeoutMs ?? 30_000,
    connectTimeout: 5000,
    retries: 8,
    retryDelay,
    ...(security?.tls
      ? { tls: { ca: security.tls.ca, cert: security.tls.cert, key: security.tls.key } }
      : {}),
    ...(sasl ? { sasl } : {}),
  };
}

/**
 * Closes a stream (no more records delivered from it) and, if given, its consumer, leaving the group.
 * Failures are ignored: a member that cannot say goodbye is timed out by the group.
 */
export async function stopConsuming(
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined,
  consumer?: Consumer,
): Promise<void> {
  if (stream) {
    stream.removeAllListeners('data');
    await stream.close().catch(() => undefined);
  }
  await consumer?.close(true).catch(() => undefined);
}
