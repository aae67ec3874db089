export * from './router';
export * from './rejected-inbound';
