import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { InboundEvent, JsonObject, RegistryData } from '@kyodo/contracts';
import { kindOf, RegistrySnapshot } from '@kyodo/contracts';
import { authorizeSender, compilePolicy, evaluate, loadPolicy } from './index';

/**
 * Runs every libs/policy/cases/*.yaml against the default policy. A file holds one registry and a
 * list of cases; each case's `expect` names every recipient, so a delivery to anyone else fails, or
 * its `rejected` names the reason the sender's event is refused (`sender-not-allowed`). A case may set
 * `now` (when the gateway processes it) and `registryCurrent: false` (a stale registry copy); an
 * expected delivery may name its `basis` (consents and agreements). Path lists may be written in any
 * order: the spec checks separately that the engine sorts them.
 */
interface ExpectedDelivery {
  relations: string[];
  purposes: string[];
  data: JsonObject;
  fieldsDelivered: string[];
  fieldsWithheld: string[];
  basis?: string[];
}

interface PolicyCase {
  name: string;
  sender: string;
  event: InboundEvent;
  now?: string;
  registryCurrent?: boolean;
  expect?: Record<string, ExpectedDelivery>;
  rejected?: string;
}

interface CaseFile {
  registry: RegistryData;
  cases: PolicyCase[];
}

const casesDir = join(__dirname, '..', 'cases');
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const policy = compilePolicy(loadPolicy());

const sorted = (paths: readonly string[]): string[] => [...paths].sort();

it('finds the case files', () => {
  expect(files.length).toBeGreaterThan(0);
});

describe.each(files)('%s', (file) => {
  const doc = parse(readFileSync(join(casesDir, file), 'utf8'), {
    merge: true,
    maxAliasCount: -1,
  }) as CaseFile;
  const registry = new RegistrySnapshot({
    parties: doc.registry.parties ?? [],
    enrollments: doc.registry.enrollments ?? [],
    consents: doc.registry.consents ?? [],
    ...(doc.registry.agreements ? { agreements: doc.registry.agreements } : {}),
  });

  it.each(doc.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const kind = kindOf(c.event.type);
    if (kind === undefined) throw new Error(`unknown event type ${c.event.type}`);
    const refused = authorizeSender(policy, c.event, kind, registry, c.sender);
    expect({ rejected: refused?.reason }).toEqual({ rejected: c.rejected });
    if (refused) {
      expect(c.expect).toBeUndefined();
      return;
    }
    const decision = evaluate(policy, c.event, kind, registry, {
      sender: c.sender,
      now: c.now,
      registryCurrent: c.registryCurrent,
    });

    const recipients = decision.deliveries.map((d) => d.recipient.id);
    expect(recipients).toEqual(sorted(Object.keys(c.expect ?? {})));
    for (const delivery of decision.deliveries) {
      const want = (c.expect ?? {})[delivery.recipient.id];
      const got = {
        relations: delivery.relations,
        purposes: delivery.purposes,
        data: delivery.data,
        fieldsDelivered: delivery.fieldsDelivered,
        fieldsWithheld: delivery.fieldsWithheld,
        // Checked where the case names it: most cases are about fields, not about consents.
        ...(want.basis ? { basis: delivery.basis } : {}),
      };
      expect({ recipient: delivery.recipient.id, ...got }).toStrictEqual({
        recipient: delivery.recipient.id,
        relations: want.relations,
        purposes: want.purposes,
        data: want.data,
        fieldsDelivered: sorted(want.fieldsDelivered),
        fieldsWithheld: sorted(want.fieldsWithheld ?? []),
        ...(want.basis ? { basis: want.basis } : {}),
      });
    }
  });
});
