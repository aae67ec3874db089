import '../platformatic/node20';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { KafkaSecurity } from '../port';

/**
 * SCRAM users through the Kafka protocol (AlterUserScramCredentials / DescribeUserScramCredentials),
 * which kafkajs does not speak: sent over one connection of @platformatic/kafka, authenticated like
 * every other client. The salted password is computed here (RFC 5802, PBKDF2-HMAC-SHA-512), so the
 * password itself never crosses the network.
 */
export interface ScramUserChanges {
  readonly upsert: readonly { readonly name: string; readonly password: string }[];
  readonly remove: readonly string[];
}

/** SCRAM-SHA-512 in the protocol's numbering (1 is SCRAM-SHA-256). */
const SCRAM_SHA_512 = 2;
/** Kafka's minimum for SCRAM-SHA-512, and its default. */
const ITERATIONS = 4096;

export class ScramAdminError extends Error {
  override readonly name = 'ScramAdminError';
}

export async function withScramAdmin<T>(
  bootstrap: readonly string[],
  security: KafkaSecurity | undefined,
  work: (admin: ScramAdmin) => Promise<T>,
): Promise<T> {
  // Loaded when needed: an ES module, required from CommonJS (Node ≥ 20.19).
  const kafka = await import('@platformatic/kafka');
  const [host, port] = splitHostPort(bootstrap[0]);
  const sasl = security?.sasl;
  const connection = new kafka.Connection('kyodo-scram-admin', {
    connectTimeout: 5000,
    requestTimeout: 30_000,
    ...(security?.tls
      ? { tls: { ca: security.tls.ca, cert: security.tls.cert, key: security.tls.key } }
      : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism.toUpperCase() as 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN',
            username: sasl.username,
            password: sasl.password,
          },
        }
      : {}),
  });
  try {
    await connection.connect(host, port);
    return await work(new ScramAdmin(connection, kafka));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

type PlatformaticKafka = typeof import('@platformatic/kafka');
type Connection = InstanceType<PlatformaticKafka['Connection']>;

export class ScramAdmin {
  constructor(
    private readonly connection: Connection,
    private readonly kafka: PlatformaticKafka,
  ) {}

  /** Names of the users that have a SCRAM-SHA-512 credential. */
  async users(): Promise<Set<string>> {
    const response = await this.kafka.describeUserScramCredentialsV0.api.async(this.connection, null);
    const names = new Set<string>();
    for (const result of response.results) {
      if (result.errorCode === 0 && result.credentialInfos.some((c) => c.mechanism === SCRAM_SHA_512)) {
        names.add(result.user);
      }
    }
    return names;
  }

  /** Upserts and deletes in one request; throws naming the users (never a password) that failed. */
  async alter(changes: ScramUserChanges): Promise<void> {
    if (changes.upsert.length === 0 && changes.remove.length === 0) return;
    const upsertions = changes.upsert.map(({ name, password }) => {
      const salt = randomBytes(32);
      return {
        name,
        mechanism: SCRAM_SHA_512,
        iterations: ITERATIONS,
        salt,
        saltedPassword: pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 64, 'sha512'),
      };
    });
    const deletions = changes.remove.map((name) => ({ name, mechanism: SCRAM_SHA_512 }));
    try {
      await this.kafka.alterUserScramCredentialsV0.api.async(this.connection, deletions, upsertions);
    } catch (error) {
      const response = (error as { response?: { results?: { user: string; errorMessage: string | null }[] } })
        .response;
      const failed = response?.results?.filter((r) => r.errorMessage !== null) ?? [];
      throw new ScramAdminError(
        failed.length > 0
          ? `SCRAM credentials refused for ${failed.map((r) => `${r.user} (${r.errorMessage ?? 'error'})`).join(', ')}`
          : `AlterUserScramCredentials failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

function splitHostPort(broker: string | undefined): [string, number] {
  const match = broker === undefined ? null : /^(.*):(\d{1,5})$/.exec(broker);
  if (!match) throw new ScramAdminError(`not a host:port broker address: ${JSON.stringify(broker)}`);
  return [match[1], Number(match[2])];
}
