export * from './port';
export * from './kafkajs-client';
export * from './collect';
