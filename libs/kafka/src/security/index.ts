export * from './acls';
export * from './provision';
export { ScramAdminError } from './scram-users';
