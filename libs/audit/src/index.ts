export * from './record';
export * from './hmac';
export * from './ids';
export * from './canonical';
export * from './chain';
export * from './notices';
export * from './delegation';
