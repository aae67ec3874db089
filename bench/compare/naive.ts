/**
 * What a Nest team writes first: @nestjs/microservices' Kafka transport, one @EventPattern handler per
 * message that validates and redacts with Kyodo's own validators and policy, and one ClientKafka emit
 * per recipient, awaited. No transactions (at least once), no audit, no dead letters, no duplicate
 * memory; the registry is held in memory. It is the comparison's lower bound, not a design to copy.
 */
import { Controller, Inject, Module, type INestMicroservice, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  ClientsModule,
  Ctx,
  EventPattern,
  KafkaContext,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { RegistrySnapshot, parseInbound, topicsFor } from '@kyodo/contracts';
import { loadConfig } from '@kyodo/config';
import { authorizeSender, compilePolicy, evaluate, loadPolicy } from '@kyodo/policy';
import { benchRegistry } from './workload';

const OUT = 'OUT';

export async function startNaive(
  prefix: string,
  inboxes: readonly string[],
): Promise<{ stop(): Promise<void> }> {
  const brokers = [...loadConfig().kafkaBrokers];
  const topics = topicsFor(prefix);
  const policy = compilePolicy(loadPolicy());
  const registry = new RegistrySnapshot(benchRegistry());

  @Controller()
  class InboxController implements OnModuleInit {
    constructor(@Inject(OUT) private readonly client: ClientKafka) {}

    async onModuleInit(): Promise<void> {
      await this.client.connect();
    }

    @EventPattern([...inboxes])
    async handle(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<void> {
      const topic = context.getTopic();
      const sender = topics.senderOf(topic)!;
      const key = context.getMessage().key as unknown as string | null;
      const parsed = parseInbound({
        value,
        key: key === null ? null : Buffer.from(key),
        topic,
        senderId: sender,
      });
      if (!parsed.ok) return;
      if (authorizeSender(policy, parsed.event, parsed.kind, registry, sender)) return;
      const { deliveries } = evaluate(policy, parsed.event, parsed.kind, registry, {
        sender,
        now: new Date().toISOString(),
        registryCurrent: true,
      });
      await Promise.all(
        deliveries.map((delivery) =>
          lastValueFrom(
            this.client.emit(topics.outbox(delivery.recipient.id), {
              key: parsed.supplyPointId,
              value: JSON.stringify({ ...parsed.event, data: delivery.data }),
            }),
          ),
        ),
      );
    }
  }

  @Module({
    imports: [
      ClientsModule.register([
        {
          name: OUT,
          transport: Transport.KAFKA,
          options: {
            client: { clientId: 'bench-naive-out', brokers },
            producerOnlyMode: true,
          },
        },
      ]),
    ],
    controllers: [InboxController],
  })
  class NaiveModule {}

  const app: INestMicroservice = await NestFactory.createMicroservice(NaiveModule, {
    transport: Transport.KAFKA,
    logger: ['error', 'warn'],
    options: {
      client: { clientId: 'bench-naive', brokers },
      consumer: { groupId: `${prefix}.naive` },
      subscribe: { fromBeginning: true },
      postfixId: '',
      parser: { keepBinary: true },
    },
  });
  await app.listen();
  return { stop: () => app.close() };
}
