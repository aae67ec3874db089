export * from './port';
export * from './logger';
export * from './kafkajs-client';
export * from './factory';
export type { PlatformaticClientOptions } from './platformatic/options';
export * from './collect';
export * from './kafkajs-security';
export * from './security';
