export * from './router';
export * from './acknowledgement';
export * from './subject-notices';
