export * from './local-kafka';
export * from './database';
export * from './secure/certificates';
export * from './secure/credentials';
export * from './secure/secure-kafka';
