/** Injection tokens for what every app shares. */
export const CONFIG = Symbol('KyodoConfig');
export const LOGGER = Symbol('Logger');
export const METRICS = Symbol('KyodoMetrics');
export const KAFKA = Symbol('KafkaPort');
export const DATA_SOURCE = Symbol('DataSource');
export const CLOCK = Symbol('Clock');
export const READINESS = Symbol('ReadinessProbes');
