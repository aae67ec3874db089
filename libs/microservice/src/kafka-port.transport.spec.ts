import 'reflect-metadata';
import { Controller, Injectable, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type {
  CommittableBatch,
  ConsumerOptions,
  KafkaPort,
  PipelineBatch,
  ProducedRecord,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '@kyodo/kafka';
import { BatchHandler } from './batch-handler.decorator';
import { KafkaPortContext, KafkaPortTransport } from './kafka-port.transport';
import { KafkaSubscriptions } from './subscriptions';

// The transport's own behaviour, on Nest's real handler registration and a recording stand-in for the
// Kafka port (the pipelines themselves are tested on the broker: test/gateway, test/kafka).

const batch = (values: string[]): PipelineBatch => ({
  generation: 1,
  records: values.map((value, i) => ({
    topic: 'in',
    partition: 0,
    key: null,
    value: Buffer.from(value),
    offset: String(i),
    timestamp: '0',
    headers: {},
  })),
});

@Injectable()
class Calls {
  readonly log: string[] = [];
}

@Controller()
class Handlers {
  constructor(private readonly calls: Calls) {}

  @BatchHandler('test.transactional')
  async route(@Payload() input: PipelineBatch, @Ctx() context: KafkaPortContext): Promise<ProducedRecord[]> {
    this.calls.log.push(`route ${context.getPattern()}`);
    await Promise.resolve();
    if (input.records.some((r) => r.value?.toString() === 'boom'))
      throw new RangeError('boom in the handler');
    return input.records.map((r) => ({ topic: 'out', key: null, value: r.value! }));
  }

  @BatchHandler('test.committing')
  async write(input: CommittableBatch): Promise<void> {
    this.calls.log.push(`write ${input.records.length}`);
    await input.commit();
  }
}

/** The Kafka port as the transport sees it: what it was asked to create, start and stop. */
function recordingPort(log: string[]) {
  const pipelines: TransactionalPipelineOptions[] = [];
  const consumers: ConsumerOptions[] = [];
  const port = {
    createTransactionalPipeline(options: TransactionalPipelineOptions): TransactionalPipeline {
      pipelines.push(options);
      return {
        topics: options.topics,
        start: () => Promise.resolve(void log.push(`start ${options.groupId}`)),
        stop: () => Promise.resolve(void log.push(`stop ${options.groupId}`)),
        resubscribe: () => Promise.resolve(),
        assignment: () => [],
        status: () => ({
          state: 'running',
          lastCommitAt: null,
          consecutiveFailures: 0,
          lastError: null,
          generation: 1,
        }),
      };
    },
    createConsumer(options: ConsumerOptions) {
      consumers.push(options);
      log.push(`consume ${options.groupId}`);
      return Promise.resolve({
        stop: () => Promise.resolve(void log.push(`stop ${options.groupId}`)),
        status: () => ({ state: 'running' as const, consecutiveFailures: 0, lastError: null }),
      });
    },
  };
  return { port: port as unknown as KafkaPort, pipelines, consumers };
}

async function microservice(
  subscribe: (subscriptions: KafkaSubscriptions, log: string[]) => void,
): Promise<{ app: INestMicroservice; log: string[]; kafka: ReturnType<typeof recordingPort> }> {
  const log: string[] = [];
  const kafka = recordingPort(log);
  const subscriptions = new KafkaSubscriptions();
  @Module({ controllers: [Handlers], providers: [{ provide: Calls, useValue: { log } }] })
  class TestModule {}
  const app = await NestFactory.createMicroservice(TestModule, {
    strategy: new KafkaPortTransport(kafka.port, subscriptions),
    logger: false,
  });
  subscribe(subscriptions, log);
  return { app, log, kafka };
}

describe('KafkaPortTransport', () => {
  it('starts a pipeline per subscription and hands each batch to the handler of its pattern', async () => {
    let attached: TransactionalPipeline | undefined;
    const { app, log, kafka } = await microservice((subscriptions, log) => {
      subscriptions.transactional('test.transactional', {
        options: { groupId: 'g.tx', transactionalId: 'tx', topics: ['in'] },
        attach: (pipeline) => (attached = pipeline),
        started: () => void log.push('started g.tx'),
        stopping: () => void log.push('stopping g.tx'),
      });
      subscriptions.committing('test.committing', {
        options: { groupId: 'g.c', topics: ['audit'] },
        started: () => void log.push('started g.c'),
      });
    });
    await app.listen();
    expect(log).toEqual(['start g.tx', 'started g.tx', 'consume g.c', 'started g.c']);
    expect(attached?.topics).toEqual(['in']);
    expect(kafka.pipelines[0]).toMatchObject({ groupId: 'g.tx', transactionalId: 'tx', topics: ['in'] });

    const out = await kafka.pipelines[0].process(batch(['a', 'b']));
    expect(out.map((r) => r.value.toString())).toEqual(['a', 'b']);
    expect(log).toContain('route test.transactional');

    let committed = 0;
    await kafka.consumers[0].handle({
      ...batch(['x']),
      topic: 'audit',
      partition: 0,
      commit: () => Promise.resolve(void (committed += 1)),
    });
    expect(committed).toBe(1);
    expect(log).toContain('write 1');

    log.length = 0;
    await app.close();
    // Last started, first stopped; each service hears of it before its pipeline stops.
    expect(log).toEqual(['stop g.c', 'stopping g.tx', 'stop g.tx']);
  });

  it("passes the handler's own error to the pipeline, which aborts and retries the batch", async () => {
    const { app, kafka } = await microservice((subscriptions) => {
      subscriptions.transactional('test.transactional', {
        options: { groupId: 'g', transactionalId: 't', topics: ['in'] },
      });
      subscriptions.committing('test.committing', { options: { groupId: 'c', topics: ['a'] } });
    });
    await app.listen();
    const failed = kafka.pipelines[0].process(batch(['a', 'boom']));
    await expect(failed).rejects.toThrow(RangeError);
    await expect(failed).rejects.toThrow('boom in the handler');
    await app.close();
  });

  it("stops a pipeline even when its service's stopping hook fails, and reports the failure", async () => {
    const { app, log } = await microservice((subscriptions) => {
      subscriptions.transactional('test.transactional', {
        options: { groupId: 'g', transactionalId: 't', topics: ['in'] },
        stopping: () => Promise.reject(new Error('timers would not stop')),
      });
      subscriptions.committing('test.committing', { options: { groupId: 'c', topics: ['a'] } });
    });
    await app.listen();
    log.length = 0;
    await expect(app.close()).rejects.toThrow('timers would not stop');
    expect(log).toEqual(['stop c', 'stop g']);
  });

  it('refuses to listen when a handler has no subscription, or a subscription no handler', async () => {
    const missing = await microservice((subscriptions) => {
      subscriptions.transactional('test.transactional', {
        options: { groupId: 'g', transactionalId: 't', topics: ['in'] },
      });
    });
    await expect(missing.app.listen()).rejects.toThrow(
      'batch handlers without a subscription: test.committing',
    );
    expect(missing.log).toEqual([]);
    await missing.app.close();

    const orphan = await microservice((subscriptions, log) => {
      subscriptions.transactional('test.transactional', {
        options: { groupId: 'g', transactionalId: 't', topics: ['in'] },
        stopping: () => void log.push('stopping g'),
      });
      subscriptions.committing('test.committing', { options: { groupId: 'c', topics: ['a'] } });
      subscriptions.committing('test.nobody', { options: { groupId: 'n', topics: ['b'] } });
    });
    await expect(orphan.app.listen()).rejects.toThrow('no batch handler registered for test.nobody');
    // What had started is stopped again.
    expect(orphan.log).toEqual(['start g', 'consume c', 'stop c', 'stopping g', 'stop g']);
    await orphan.app.close();
  });
});
