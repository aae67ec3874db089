export * from './local-kafka';
export * from './database';
