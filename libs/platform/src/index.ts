export * from './tokens';
export * from './platform.module';
export * from './health.controller';
export * from './topic-provisioning';
export * from './bootstrap';
export * from './readiness';
export * from './kafka-options';
