export * from './router';
export * from './accepted-ids';
