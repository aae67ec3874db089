export * from './data-source';
export * from './entities';
export * from './migrations';
export * from './errors';
export * from './audit-partitions';
export * from './registry.repository';
export * from './audit.repository';
export * from './api-key.repository';
