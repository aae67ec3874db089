export * from './ndjson';
export * from './parse';
export * from './references';
export * from './secrets';
export { formatRegistryFileError, type RegistryFileError, type SourceLocation } from './yaml-reader';
