import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { InboundEvent, JsonObject, RegistryData } from '@kyodo/contracts';
import { kindOf, RegistrySnapshot } from '@kyodo/contracts';
import { compilePolicy, evaluate, loadPolicy } from './index';

/**
 * Runs every libs/policy/cases/*.yaml against the default policy. A file holds one registry and a
 * list of cases; each case's `expect` names every recipient, so a delivery to anyone else fails.
 * Path lists may be written in any order: the spec checks separately that the engine sorts them.
 */
interface ExpectedDelivery {
  relations: string[];
  purposes: string[];
  data: JsonObject;
  fieldsDelivered: string[];
  fieldsWithheld: string[];
}

interface PolicyCase {
  name: string;
  sender: string;
  event: InboundEvent;
  expect: Record<string, ExpectedDelivery>;
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
  });

  it.each(doc.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const kind = kindOf(c.event.type);
    if (kind === undefined) throw new Error(`unknown event type ${c.event.type}`);
    const decision = evaluate(policy, c.event, kind, registry, { sender: c.sender });

    const recipients = decision.deliveries.map((d) => d.recipient.id);
    expect(recipients).toEqual(sorted(Object.keys(c.expect ?? {})));
    for (const delivery of decision.deliveries) {
      const want = c.expect[delivery.recipient.id];
      const got = {
        relations: delivery.relations,
        purposes: delivery.purposes,
        data: delivery.data,
        fieldsDelivered: delivery.fieldsDelivered,
        fieldsWithheld: delivery.fieldsWithheld,
      };
      expect({ recipient: delivery.recipient.id, ...got }).toStrictEqual({
        recipient: delivery.recipient.id,
        relations: want.relations,
        purposes: want.purposes,
        data: want.data,
        fieldsDelivered: sorted(want.fieldsDelivered),
        fieldsWithheld: sorted(want.fieldsWithheld ?? []),
      });
    }
  });
});
