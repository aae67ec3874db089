import { PARTY_ID_PATTERN } from '@kyodo/contracts';
import { isAlias, isMap, isScalar } from 'yaml';
import {
  YamlReader,
  errorAt,
  isNull,
  sortErrors,
  type RegistryFileError,
  type SourceLocation,
} from './yaml-reader';

/** One party's SCRAM password from a secrets file, with where it was written. */
export interface SecretEntry extends SourceLocation {
  readonly partyId: string;
  readonly password: string;
}

export type SecretsFileResult =
  | { readonly ok: true; readonly secrets: SecretEntry[] }
  | { readonly ok: false; readonly errors: RegistryFileError[] };

/**
 * Reads a secrets file: a YAML mapping of party id to password. Messages never quote a password.
 * An empty file is an empty mapping.
 */
export function parseSecretsFile(text: string, fileName?: string): SecretsFileResult {
  const reader = YamlReader.parse(text, fileName);
  if (reader.hasSyntaxErrors) return { ok: false, errors: sortErrors(reader.errors) };
  const secrets: SecretEntry[] = [];
  const root = reader.deref(reader.doc.contents, '');
  if (!isNull(root) && !isMap(root)) {
    reader.fail(root, '', 'a secrets file is a mapping of party id to password, such as R0001: "..."');
  } else if (isMap(root)) {
    for (const pair of root.items) {
      const key = pair.key;
      const partyId = isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
      if (partyId === undefined || !PARTY_ID_PATTERN.test(partyId)) {
        reader.fail(
          key ?? root,
          reader.sourceOf(key),
          'is not a party id (an uppercase letter, then 1 to 15 uppercase letters or digits)',
        );
        continue;
      }
      const at = isNull(pair.value) && reader.sourceOf(pair.value) === '' ? key : pair.value;
      const value = reader.deref(pair.value, partyId);
      if (isScalar(value) && typeof value.value === 'string') {
        if (value.value === '') reader.fail(at, partyId, 'the password must not be empty');
        else secrets.push({ ...reader.locate(at, partyId), partyId, password: value.value });
      } else if (!(value === undefined && isAlias(pair.value))) {
        reader.fail(at, partyId, `the password ${reader.notAString(value, undefined, true)}`);
      }
    }
  }
  if (reader.errors.length > 0) return { ok: false, errors: sortErrors(reader.errors) };
  return { ok: true, secrets };
}

/** Secrets for parties that are neither in the registry file nor registered are most likely typos. */
export function checkSecretParties(
  secrets: readonly SecretEntry[],
  knownPartyIds: ReadonlySet<string>,
): RegistryFileError[] {
  return secrets
    .filter((secret) => !knownPartyIds.has(secret.partyId))
    .map((secret) =>
      errorAt(secret, `${secret.partyId} is neither defined in the registry file nor registered`),
    );
}

/** Shortest SCRAM password a party may be given (docs/CONTRACT.md, "The secured broker"). */
export const MIN_SECRET_LENGTH = 16;

/** Passwords shorter than MIN_SECRET_LENGTH characters, each named by its line (never quoted). */
export function checkSecretStrength(secrets: readonly SecretEntry[]): RegistryFileError[] {
  return secrets
    .filter((secret) => [...secret.password].length < MIN_SECRET_LENGTH)
    .map((secret) =>
      errorAt(
        secret,
        `the password for ${secret.partyId} is ${[...secret.password].length} characters long; at least ${MIN_SECRET_LENGTH} are required`,
      ),
    );
}
