import type { JsonObject, RegistryData } from '@kyodo/contracts';
import { factory } from '@kyodo/contracts/testing';
import { parseRegistryFile } from '@kyodo/registry';
import { waitFor } from '../support/harness';
import { importRegistry } from '../support/kyodo';
import { MailboxStack, type Bundle } from './mailbox-harness';

// The HTTP inbox, and delegation (contract v1.1): a party posts events over HTTP and the gateway routes
// them like any inbound event; a registry delegation lets one party (R0002, a service company here) use
// the mailbox and inbox of another (R0001); every such action is in the audit trail; ending the
// delegation closes the door.

const registryYaml = (delegationTo: string) => `
parties:
  - { id: R0001, role: retailer, name: "Clean Venture 21" }
  - { id: R0002, role: retailer, name: "Sakura Denryoku" }
  - { id: R0003, role: retailer, name: "Minato Energy" }
  - { id: TD03, role: tdso, area: "03", name: "Tokyo T&D" }
  - { id: OCCTO, role: occto, name: "OCCTO" }
delegations:
  - { agentId: R0002, forId: R0001, from: 2026-01-01, to: ${delegationTo} }
`;

function registry(delegationTo: string): RegistryData {
  const parsed = parseRegistryFile(registryYaml(delegationTo));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.data;
}

const ON_BEHALF_OF_R0001 = { 'Kyodo-On-Behalf-Of': 'R0001' };

describe('HTTP inbox and delegation (real Kafka and PostgreSQL)', () => {
  const stack = new MailboxStack();
  let r1: string;
  let r2: string;
  let td03: string;
  let auditor: string;

  beforeAll(async () => {
    await stack.start(registry('2099-12-31'));
    r1 = await stack.key('party', 'R0001');
    r2 = await stack.key('party', 'R0002');
    td03 = await stack.key('party', 'TD03');
    auditor = await stack.key('auditor');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('writes posted events to the inbox, where the gateway routes them; a re-post is harmless', async () => {
    const readings = stack.readings(3, 'R0001');
    const first = await stack.post('/v1/inbox', td03, readings, 'application/cloudevents-batch+json');
    expect(first.status).toBe(202);
    expect(first.body).toEqual(readings.map((e) => ({ id: e.id, status: 'accepted' })));
    // The same batch again: accepted at the door, refused by the gateway as duplicates.
    expect((await stack.post('/v1/inbox', td03, readings, 'application/cloudevents-batch+json')).status).toBe(
      202,
    );
    const single = stack.readings(1, 'R0001')[0];
    const one = await stack.post('/v1/inbox', td03, single);
    expect(one).toMatchObject({ status: 202, body: { id: single.id, status: 'accepted' } });
    await stack.processed('TD03');
    const origins = (await stack.outbox('R0001')).map((e) => String(e.kyodooriginid));
    expect(origins.sort()).toEqual([...readings, single].map((e) => e.id).sort());
  });

  it('refuses a body that is not CloudEvents JSON with 400 naming the problem, and a foreign source with 403', async () => {
    const event = stack.readings(1, 'R0001')[0];
    const cases: [unknown, string, RegExp][] = [
      [event, 'application/json', /Content-Type/],
      [{ ...event, specversion: '0.3' }, 'application/cloudevents+json', /specversion/],
      [{ ...event, subject: undefined }, 'application/cloudevents+json', /subject/],
      [[event], 'application/cloudevents+json', /one JSON object/],
      [event, 'application/cloudevents-batch+json', /JSON array/],
      [[], 'application/cloudevents-batch+json', /empty/],
      [Array(501).fill(event), 'application/cloudevents-batch+json', /at most 500/],
      [[event, 'x'], 'application/cloudevents-batch+json', /event 1/],
    ];
    for (const [body, type, message] of cases) {
      const res = await stack.post('/v1/inbox', td03, body, type);
      expect({ status: res.status, message: (res.body as { message?: string }).message }).toEqual({
        status: 400,
        message: expect.stringMatching(message) as unknown,
      });
    }
    const notJson = await stack.post('/v1/inbox', td03, 'x', 'application/cloudevents+json');
    expect(notJson.status).toBe(400);
    const foreign = await stack.post('/v1/inbox', r1, event);
    expect(foreign.status).toBe(403);
    expect((foreign.body as { message: string }).message).toMatch(/urn:kyodo:party:R0001/);
  });

  it('lets a delegated party act for its principal, audits it, and closes the door once the delegation ends', async () => {
    // Without the header, R0002's key is R0002's own mailbox: empty.
    expect(await stack.peek(r2)).toBeNull();

    // R0002 sends a contract switch for R0001 (the losing retailer, which may send it): routed to TD03.
    const sw = factory.contractSwitch({ sender: 'R0001', fromRetailerId: 'R0001', toRetailerId: 'R0003' });
    const posted = await stack.post('/v1/inbox', r2, sw, 'application/cloudevents+json', ON_BEHALF_OF_R0001);
    expect(posted).toMatchObject({ status: 202, body: { id: sw.id, status: 'accepted' } });
    // R0002 cannot post as itself into R0001's inbox, nor as R0001 without the header.
    const asSelf = factory.contractSwitch({
      sender: 'R0002',
      fromRetailerId: 'R0002',
      toRetailerId: 'R0003',
    });
    expect((await stack.post('/v1/inbox', r2, asSelf, undefined, ON_BEHALF_OF_R0001)).status).toBe(403);
    expect((await stack.post('/v1/inbox', r2, sw)).status).toBe(403);

    const atTso = await waitFor(
      async () => (await stack.peek(td03, '?wait=5'))?.messages.find((m) => m.kyodooriginid === sw.id),
      { timeoutMs: 60_000, what: "the delegated switch on TD03's mailbox" },
    );
    expect(atTso.kyodoorigin).toBe('urn:kyodo:party:R0001');

    // R0002 reads and acknowledges R0001's mailbox.
    await stack.send('TD03', stack.readings(2, 'R0001'));
    const own = (await stack.peek(r1)) as Bundle;
    const delegated = (await stack.peek(r2, '', ON_BEHALF_OF_R0001)) as Bundle;
    expect(delegated).toEqual(own);
    expect(
      (await stack.del(`/v1/mailbox/bundles/${delegated.bundleId}`, r2, ON_BEHALF_OF_R0001)).status,
    ).toBe(204);
    // R0002's own mailbox never held it.
    expect((await stack.del(`/v1/mailbox/bundles/${delegated.bundleId}`, r2)).status).toBe(409);

    // The audit trail says R0002 acted for R0001: the read, the acknowledgement and the post.
    const actions = await waitFor(
      async () => {
        const rows: {
          action: string;
          inbound_id: string;
          outbound_id: string | null;
          type: string | null;
        }[] = await stack.ds.query(
          `SELECT relations[1] AS action, inbound_id, outbound_id, type FROM audit_record
            WHERE outcome = 'acted-for' AND inbound_source = 'urn:kyodo:party:R0002' AND recipient_id = 'R0001'`,
        );
        return rows.length >= 3 ? rows : undefined;
      },
      { timeoutMs: 30_000, what: 'the acted-for audit records in PostgreSQL' },
    );
    expect(actions.map((a) => a.action).sort()).toEqual([
      'inbox-post',
      'mailbox-acknowledge',
      'mailbox-read',
    ]);
    expect(actions.find((a) => a.action === 'inbox-post')).toMatchObject({
      inbound_id: sw.id,
      type: 'jp.kyodo.contract-switch.v1',
    });
    expect(actions.find((a) => a.action === 'mailbox-read')?.outbound_id).toBe(delegated.bundleId);
    // The chain still verifies with the new records in it.
    const verify = await stack.post('/v1/audit/verify', auditor, {}, 'application/json');
    expect(verify.status).toBe(200);
    expect((verify.body as { ok: boolean }).ok).toBe(true);

    // The delegation ends (re-imported with an end in the past): 403 on every door.
    await importRegistry(stack.config, stack.kafka, registry('2026-01-31'));
    await stack.send('TD03', stack.readings(1, 'R0001'));
    expect((await stack.get('/v1/mailbox', r2, ON_BEHALF_OF_R0001)).status).toBe(403);
    const next = factory.contractSwitch({ sender: 'R0001', fromRetailerId: 'R0001', toRetailerId: 'R0003' });
    expect((await stack.post('/v1/inbox', r2, next, undefined, ON_BEHALF_OF_R0001)).status).toBe(403);
    expect(
      (await stack.del('/v1/mailbox/bundles/3b0d6a52-4f0e-4c1d-9a8b-2f6e1d7c5a90', r2, ON_BEHALF_OF_R0001))
        .status,
    ).toBe(403);
    // R0001 itself still reads its mailbox.
    const after = (await stack.peek(r1)) as Bundle;
    expect(after.messages.map((m: JsonObject) => (m.data as JsonObject).retailerId)).toEqual(['R0001']);
  });

  it('closes both doors to a suspended party, by its own key and by delegation, and opens them again when lifted', async () => {
    const suspended = (flag: boolean): RegistryData => {
      const data = registry('2099-12-31');
      return {
        ...data,
        parties: data.parties.map((p) => (p.id === 'R0001' ? { ...p, suspended: flag } : p)),
      };
    };
    await importRegistry(stack.config, stack.kafka, suspended(true));
    const sw = factory.contractSwitch({ sender: 'R0001', fromRetailerId: 'R0001', toRetailerId: 'R0003' });
    for (const [key, headers] of [
      [r1, {}],
      [r2, ON_BEHALF_OF_R0001],
    ] as const) {
      const peek = await stack.get('/v1/mailbox', key, headers);
      expect({ status: peek.status, message: (peek.body as { message: string }).message }).toEqual({
        status: 403,
        message: expect.stringMatching(/suspended/) as unknown,
      });
      expect((await stack.post('/v1/inbox', key, sw, undefined, headers)).status).toBe(403);
    }
    await importRegistry(stack.config, stack.kafka, suspended(false));
    expect([200, 204]).toContain((await stack.get('/v1/mailbox', r1)).status);
  });
});
