export * from './port';
export * from './kafkajs-client';
