import type { Consent, Enrollment, Party, RegistryData } from '../registry';
import { DEFAULT_PARTIES } from './index';

/**
 * The registry data of a test: the named parties of `DEFAULT_PARTIES` (in the order given), with
 * enrollments and consents. One list of parties for every test, instead of a copy in each file.
 */
export function registryData(
  partyIds: readonly string[],
  rest: { readonly enrollments?: readonly Enrollment[]; readonly consents?: readonly Consent[] } = {},
): RegistryData {
  return {
    parties: partyIds.map(fixtureParty),
    enrollments: rest.enrollments ?? [],
    consents: rest.consents ?? [],
  };
}

/** One party of `DEFAULT_PARTIES` by id; throws naming the known ids for any other. */
export function fixtureParty(id: string): Party {
  const party = DEFAULT_PARTIES.find((p) => p.id === id);
  if (party === undefined) {
    throw new RangeError(`no fixture party ${id} (known: ${DEFAULT_PARTIES.map((p) => p.id).join(', ')})`);
  }
  return party;
}

/** Several parties of `DEFAULT_PARTIES` by id, in the order given. */
export function fixtureParties(...ids: string[]): Party[] {
  return ids.map(fixtureParty);
}
