import type { AreaCode, PartyRole } from '@kyodo/contracts';
import type { RegistryFileParsed } from './parse';
import { article } from './words';
import { errorAt, sortErrors, type RegistryFileError } from './yaml-reader';

/** What the checks need to know of a party already in the database; a `Party` will do. */
export interface RegisteredParty {
  readonly role: PartyRole;
  readonly area?: AreaCode;
}

/**
 * The checks that need the parties already registered, since an import upserts into them: every
 * party the file references without defining must be registered with the role the reference needs;
 * a party the file redefines keeps its role; and once the file is applied there is still at most one
 * occto and one tdso per area. Errors point into the file, like those of `parseRegistryFile`.
 */
export function checkReferences(
  result: RegistryFileParsed,
  existingParties: ReadonlyMap<string, RegisteredParty>,
): RegistryFileError[] {
  const errors: RegistryFileError[] = [];

  for (const ref of result.references) {
    const registered = existingParties.get(ref.partyId);
    if (!registered) {
      errors.push(errorAt(ref, `${ref.partyId} is neither defined in this file nor registered`));
    } else if (ref.role !== undefined && registered.role !== ref.role) {
      errors.push(
        errorAt(ref, `${ref.partyId} is registered as ${article(registered.role)}, not ${article(ref.role)}`),
      );
    }
  }

  const defined = new Set<string>();
  for (const definition of result.definitions) {
    defined.add(definition.partyId);
    const registered = existingParties.get(definition.partyId);
    if (registered && registered.role !== definition.role) {
      errors.push(
        errorAt(
          definition.roleAt,
          `${definition.partyId} is registered as ${article(registered.role)}; an import cannot change a party's role`,
        ),
      );
    }
  }

  // Registered parties the file does not redefine stay as they are, so they still hold their place.
  const occto = result.definitions.find((d) => d.role === 'occto');
  for (const [id, party] of existingParties) {
    if (defined.has(id)) continue;
    if (party.role === 'occto' && occto) {
      errors.push(errorAt(occto.roleAt, `${id} is already registered as the occto; there is at most one`));
    }
    if (party.role === 'tdso' && party.area !== undefined) {
      const rival = result.definitions.find((d) => d.role === 'tdso' && d.area === party.area);
      if (rival) {
        errors.push(
          errorAt(rival.areaAt ?? rival, `area ${party.area} already has a registered tdso, ${id}`),
        );
      }
    }
  }
  return sortErrors(errors);
}
