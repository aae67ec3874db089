export * from './port';
export * from './kafkajs-client';
export * from './kafkajs-security';
export * from './security';
