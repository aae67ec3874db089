export * from './batch-handler.decorator';
export * from './kafka-port.transport';
export * from './subscriptions';
