export * from './events';
export * from './fields';
export * from './registry';
export * from './rejections';
export * from './schemas';
export * from './topics';
export * from './validation';
export * from './notices';
