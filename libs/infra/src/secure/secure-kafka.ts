import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaSecurity } from '@kyodo/kafka';
import { LocalKafka, type LocalKafkaOptions, type LocalKafkaStatus } from '../local-kafka';
import { ensureBrokerCertificates, type BrokerCertificates } from './certificates';
import {
  ensureCredentials,
  principalName,
  type KyodoPrincipal,
  type PrincipalCredentials,
} from './credentials';

export const SECURE_KAFKA_PORT = 9192;
export const SECURE_CONTROLLER_PORT = 9193;
const STATE_SUBDIR = 'kafka-secure';
const SCRAM = 'SCRAM-SHA-512';

export interface SecureLocalKafkaStatus extends LocalKafkaStatus {
  readonly caFile: string;
  /** What Kyodo's own commands need in their environment to reach this broker as `kyodo-admin`. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The secured local broker, beside the plain one (own state directory `kafka-secure`, own ports):
 * clients and inter-broker traffic on SASL_SSL (SCRAM-SHA-512 only) at 127.0.0.1:9192; the KRaft
 * controller on 9193 over TLS with required client certificates (SCRAM does not work on the controller
 * listener); the KRaft `StandardAuthorizer` with `allow.everyone.if.no.acl.found=false`. Super users:
 * the broker (its certificate on the controller listener, its SCRAM user between its own listeners)
 * and `kyodo-admin`. Every other principal has only the ACLs `registry import` gives it.
 */
export class SecureLocalKafka extends LocalKafka {
  private certificates: BrokerCertificates | undefined;
  private credentialsCache: PrincipalCredentials | undefined;

  constructor(options: Omit<LocalKafkaOptions, 'stateSubdir'>) {
    super({
      ...options,
      port: options.port ?? SECURE_KAFKA_PORT,
      controllerPort: options.controllerPort ?? SECURE_CONTROLLER_PORT,
      stateSubdir: STATE_SUBDIR,
    });
  }

  get tlsDir(): string {
    return join(this.dir, 'tls');
  }

  get credentialsFile(): string {
    return join(this.dir, 'credentials.json');
  }

  get caFile(): string {
    return join(this.tlsDir, 'ca.pem');
  }

  /** Kyodo's own principals' user names and passwords (made on first use, mode 0600). */
  credentials(): PrincipalCredentials {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.credentialsCache ??= ensureCredentials(this.credentialsFile);
    return this.credentialsCache;
  }

  /** The port's security options for one of Kyodo's principals (for tests and tools). */
  securityFor(principal: KyodoPrincipal): KafkaSecurity {
    const { username, password } = this.credentials()[principal];
    return {
      tls: { ca: readFileSync(this.caFile, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username, password },
    };
  }

  /** The environment `kyodo` commands need to reach this broker as `kyodo-admin`. */
  environment(): Record<string, string> {
    const admin = this.credentials().admin;
    return {
      KAFKA_BROKERS: this.bootstrap,
      KAFKA_TLS_CA_FILE: this.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: admin.username,
      KAFKA_SASL_PASSWORD: admin.password,
    };
  }

  override async up(): Promise<SecureLocalKafkaStatus> {
    const status = await super.up();
    return { ...status, caFile: this.caFile, env: this.environment() };
  }

  protected override prepare(): void {
    this.certificates = ensureBrokerCertificates(this.tlsDir);
    this.credentials();
  }

  protected override clientSecurity(): KafkaSecurity | undefined {
    // Before the first start there are no certificates yet: nothing can answer securely.
    try {
      return this.securityFor('admin');
    } catch {
      return { tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'none', password: 'none' } };
    }
  }

  /** Created with the storage, before the first start: the broker's own user and the admin's. */
  protected override formatArguments(): string[] {
    const credentials = this.credentials();
    return (['broker', 'admin', 'gateway', 'audit', 'api'] as const).flatMap((p) => [
      '--add-scram',
      `${SCRAM}=[name=${credentials[p].username},password=${credentials[p].password}]`,
    ]);
  }

  protected override listenerProperties(): string[] {
    const certs = this.certificates ?? ensureBrokerCertificates(this.tlsDir);
    const broker = this.credentials().broker;
    const superUsers = [certs.brokerPrincipal, `User:${broker.username}`, `User:${principalName('admin')}`];
    return [
      `listeners=SASL_SSL://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${this.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL',
      'inter.broker.listener.name=SASL_SSL',
      `sasl.enabled.mechanisms=${SCRAM}`,
      `sasl.mechanism.inter.broker.protocol=${SCRAM}`,
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${broker.username}" password="${broker.password}";`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${certs.keystoreFile}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.caFile}`,
      'ssl.enabled.protocols=TLSv1.3,TLSv1.2',
      'listener.name.controller.ssl.client.auth=required',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      `super.users=${superUsers.join(';')}`,
    ];
  }
}
