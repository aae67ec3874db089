export * from './config';
export * from './security';
