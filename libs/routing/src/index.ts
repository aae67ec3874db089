export * from './router';
export * from './accepted-ids';
export * from './rejected-inbound';
export * from './acknowledgement';
export * from './subject-notices';
