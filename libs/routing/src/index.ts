export * from './router';
export * from './accepted-ids';
export * from './rejected-inbound';
