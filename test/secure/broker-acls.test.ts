import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Kafka,
} from 'kafkajs';
import { topicsFor } from '@kyodo/contracts';
import { createTestDatabase, uniqueId } from '../support/harness';
import { partyKafka, runKyodo, secureBroker, type SecureBroker } from '../support/secure-broker';

// The secured broker as a party meets it: after `kyodo registry import --secrets`, party A can do
// exactly its job (write its inbox, read its outbox, its own groups and transactional ids) and nothing
// else; bad credentials and unsecured connections are refused; suspension takes the user and the ACLs
// away and lifting it gives them back.

const A = `RA${uniqueId().toUpperCase()}`;
const B = `RB${uniqueId().toUpperCase()}`;
const PREFIX = `t${uniqueId()}`;
const topics = topicsFor(PREFIX);
const PASSWORD = { [A]: `a-${randomBytes(12).toString('hex')}`, [B]: `b-${randomBytes(12).toString('hex')}` };

describe('the secured broker enforces each party to its two topics', () => {
  let broker: SecureBroker;
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const clients: { disconnect(): Promise<void> }[] = [];

  function registry(suspendA: boolean): string {
    const file = join(dir, `registry-${suspendA ? 'suspended' : 'active'}.yaml`);
    writeFileSync(
      file,
      [
        'parties:',
        `  - { id: ${A}, role: retailer, name: "Party A"${suspendA ? ', suspended: true' : ''} }`,
        `  - { id: ${B}, role: retailer, name: "Party B" }`,
        '',
      ].join('\n'),
    );
    return file;
  }

  async function importRegistry(suspendA = false): Promise<string> {
    const result = await runKyodo(
      ['registry', 'import', registry(suspendA), '--secrets', join(dir, 'secrets.yaml')],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(PASSWORD[A]);
    expect(result.stderr).not.toContain(PASSWORD[A]);
    return result.stdout;
  }

  function as(party: string, password = PASSWORD[party]): Kafka {
    return partyKafka(broker.brokers, broker.as(party, password));
  }

  async function connected<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(
    client: T,
  ): Promise<T> {
    clients.push(client);
    await client.connect();
    return client;
  }

  /**
   * Reads `topic` as `kafka` in `groupId` until a record arrives or the consumer crashes (a refusal).
   * Retries ride out a group coordinator that is still being created on a freshly started broker
   * (kafkajs reports a denied group the same way, so the refusals are tested after a success).
   */
  async function readOne(kafka: Kafka, topic: string, groupId: string, retries = 3): Promise<string> {
    const consumer = kafka.consumer({
      groupId,
      retry: { retries, initialRetryTime: 300 },
      sessionTimeout: 10_000,
    });
    clients.push(consumer);
    try {
      await consumer.connect();
      const outcome = new Promise<string>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
        consumer.subscribe({ topics: [topic], fromBeginning: true }).then(
          () =>
            consumer.run({
              eachMessage: ({ message }) => {
                resolve(message.value?.toString() ?? '');
                return Promise.resolve();
              },
            }),
          reject,
        );
      });
      const timeout = new Promise<never>((_, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing read from ${topic} in 45 s`)), 45_000);
        void outcome.finally(() => clearTimeout(timer)).catch(() => undefined);
      });
      return await Promise.race([outcome, timeout]);
    } finally {
      await consumer.disconnect();
    }
  }

  beforeAll(async () => {
    broker = await secureBroker();
    process.stderr.write(
      `[secure-broker] ${broker.state} in ${broker.startSeconds.toFixed(1)}s for ${__filename}\n`,
    );
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'kyodo-secure-'));
    writeFileSync(join(dir, 'secrets.yaml'), `${A}: "${PASSWORD[A]}"\n${B}: "${PASSWORD[B]}"\n`, {
      mode: 0o600,
    });
    env = {
      ...broker.env,
      DATABASE_URL: db.url,
      KYODO_TOPIC_PREFIX: PREFIX,
      KYODO_PARTITIONS: '1',
    };
    const out = await importRegistry();
    expect(out).toMatch(/Broker: 2 SCRAM users set, 0 removed \(suspended\); \d+ ACLs created, 0 removed/);
  });

  afterAll(async () => {
    for (const client of clients) await client.disconnect().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('infra up --secure --json prints brokers, the CA and the environment, and keeps secrets at 0600', async () => {
    const up = await runKyodo(['infra', 'up', '--secure', '--json'], {
      DATABASE_URL: db.url,
      KYODO_TOPIC_PREFIX: PREFIX,
    });
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const printed = JSON.parse(lines[0]) as { brokers: string; caFile: string; env: Record<string, string> };
    expect(printed.brokers).toBe(broker.brokers.join(','));
    expect(readFileSync(printed.caFile, 'utf8')).toBe(broker.ca);
    expect(printed.env).toEqual(broker.env);
    expect(Object.keys(printed.env).sort()).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_USERNAME',
      'KAFKA_TLS_CA_FILE',
    ]);
    expect(up.stderr).not.toContain(printed.env.KAFKA_SASL_PASSWORD);
    const stateDir = dirname(dirname(printed.caFile));
    for (const file of ['credentials.json', 'tls/broker-keystore.pem', 'tls/ca.key', 'server.properties']) {
      expect((statSync(join(stateDir, file)).mode & 0o777).toString(8)).toBe('600');
    }
    // Without --json the password is printed nowhere.
    const plain = await runKyodo(['infra', 'up', '--secure'], {
      DATABASE_URL: db.url,
      KYODO_TOPIC_PREFIX: PREFIX,
    });
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toContain(printed.env.KAFKA_SASL_PASSWORD);
  });

  it('A does exactly its job: writes its inbox (plain and transactional), reads its outbox in its own group', async () => {
    const producer = await connected(
      as(A).producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } }),
    );
    await producer.send({ topic: topics.inbox(A), acks: -1, messages: [{ key: 'k', value: 'plain' }] });
    const tx = await connected(
      as(A).producer({
        transactionalId: `${A}.writer`,
        idempotent: true,
        maxInFlightRequests: 1,
        // The first transactional producer on a fresh broker waits for the transaction log's creation.
        retry: { retries: 10, initialRetryTime: 300 },
      }),
    );
    const transaction = await tx.transaction();
    await transaction.send({ topic: topics.inbox(A), messages: [{ key: 'k', value: 'transactional' }] });
    await transaction.commit();

    // What the gateway would deliver, written here by Kyodo's admin.
    const admin = await connected(partyKafka(broker.brokers, broker.security('admin')).producer());
    await admin.send({ topic: topics.outbox(A), messages: [{ key: 'k', value: 'for A' }] });
    expect(await readOne(as(A), topics.outbox(A), `${A}.reader`, 10)).toBe('for A');
  });

  it.each([
    ['B outbox', () => topics.outbox(B)],
    ['the audit', () => topics.audit],
    ['the dead letters', () => topics.dlq],
    ['its own inbox', () => topics.inbox(A)],
  ])('A cannot read %s', async (_what, topic) => {
    await expect(readOne(as(A), topic(), `${A}.spy`)).rejects.toThrow(/authoriz/i);
  });

  it.each([
    ['B inbox', () => topics.inbox(B)],
    ['its own outbox', () => topics.outbox(A)],
    ['the audit', () => topics.audit],
    ['the dead letters', () => topics.dlq],
  ])('A cannot write %s', async (_what, topic) => {
    const producer = await connected(as(A).producer());
    await expect(
      producer.send({ topic: topic(), acks: -1, messages: [{ key: 'k', value: 'forged' }] }),
    ).rejects.toThrow(/authoriz/i);
  });

  it("A cannot use B's consumer group or transactional id", async () => {
    // kafkajs reports a denied group as a coordinator it cannot find.
    await expect(readOne(as(A), topics.outbox(A), `${B}.reader`)).rejects.toThrow(
      /authoriz|group coordinator/i,
    );
    const tx = as(A).producer({
      transactionalId: `${B}.writer`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 1 },
    });
    clients.push(tx);
    await expect(tx.connect().then(() => tx.transaction())).rejects.toThrow(/authoriz|coordinator/i);
  });

  it.each([
    ['a wrong password', () => broker.as(A, `${PASSWORD[A]}x`)],
    ['an unknown user', () => broker.as(`NOBODY${uniqueId().toUpperCase()}`, PASSWORD[A])],
  ])('refuses %s', async (_what, security) => {
    const admin = partyKafka(broker.brokers, security()).admin();
    clients.push(admin);
    await expect(admin.connect()).rejects.toThrow(/authentication failed/i);
  });

  it('refuses TLS without SASL and plaintext', async () => {
    for (const security of [{ tls: { ca: broker.ca } }, undefined]) {
      const admin = partyKafka(broker.brokers, security).admin();
      clients.push(admin);
      await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    }
  });

  it('an import is idempotent, and removes an ACL granted beyond the contract', async () => {
    const admin = await connected(partyKafka(broker.brokers, broker.security('admin')).admin());
    await admin.createAcls({
      acl: [
        {
          principal: `User:${A}`,
          host: '*',
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topics.outbox(B),
          resourcePatternType: ResourcePatternTypes.LITERAL,
          operation: AclOperationTypes.READ,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    expect(await importRegistry()).toMatch(/0 ACLs created, 1 removed/);
    expect(await importRegistry()).toMatch(/0 ACLs created, 0 removed/);
    await expect(readOne(as(A), topics.outbox(B), `${A}.spy2`)).rejects.toThrow(/authoriz/i);
  });

  it('a suspended party loses its user and ACLs, and gets them back when lifted', async () => {
    const admin = await connected(partyKafka(broker.brokers, broker.security('admin')).admin());
    const aclsOf = async (party: string) =>
      (
        await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
          principal: `User:${party}`,
        })
      ).resources.flatMap((r) => r.acls.map((acl) => `${r.resourceName}:${acl.operation}`));

    expect(await aclsOf(A)).toHaveLength(7);
    expect(await importRegistry(true)).toMatch(
      /1 SCRAM user set, 1 removed \(suspended\); 0 ACLs created, 7 removed/,
    );
    expect(await aclsOf(A)).toEqual([]);
    expect(await aclsOf(B)).toHaveLength(7);
    const suspended = as(A).admin();
    clients.push(suspended);
    await expect(suspended.connect()).rejects.toThrow(/authentication failed/i);

    expect(await importRegistry(false)).toMatch(
      /2 SCRAM users set, 0 removed \(suspended\); 7 ACLs created, 0 removed/,
    );
    expect(await aclsOf(A)).toHaveLength(7);
    const producer = await connected(as(A).producer());
    await producer.send({ topic: topics.inbox(A), acks: -1, messages: [{ key: 'k', value: 'back' }] });
  });
});
