import type { JsonObject, RegistryData } from '@kyodo/contracts';
import { factory } from '@kyodo/contracts/testing';
import { MailboxStack, bySupplyPoint, type Bundle } from './mailbox-harness';

// The HTTP mailbox (contract v1.1) on the real broker and database, with the gateway running: TD03 sends
// meter readings by Kafka, the gateway delivers them to the retailers' outboxes, and the retailers read
// them over HTTP, peek and acknowledge. A read_committed Kafka reader of each outbox is the ground truth.

const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'R0002', role: 'retailer', name: 'Sakura Denryoku' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
  ],
  enrollments: [],
  consents: [],
};

describe('HTTP mailbox (real Kafka and PostgreSQL)', () => {
  const stack = new MailboxStack();
  let r1: string;
  let r2: string;
  let auditor: string;

  beforeAll(async () => {
    await stack.start(REGISTRY);
    r1 = await stack.key('party', 'R0001');
    r2 = await stack.key('party', 'R0002');
    auditor = await stack.key('auditor');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('serves every event exactly once, in order per supply point, across a restart of the API, the gateway and the audit writer between peek and acknowledge', async () => {
    await stack.send('TD03', [...stack.readings(120, 'R0001'), ...stack.readings(80, 'R0002')]);
    const truth = { R0001: await stack.outbox('R0001'), R0002: await stack.outbox('R0002') };
    expect(truth.R0001).toHaveLength(120);
    expect(truth.R0002).toHaveLength(80);

    const served: Record<'R0001' | 'R0002', JsonObject[]> = { R0001: [], R0002: [] };
    let restarted = false;
    for (const [party, key] of [
      ['R0001', r1],
      ['R0002', r2],
    ] as const) {
      for (let round = 0; round < 100; round += 1) {
        const bundle = await stack.peek(key, '?max=25');
        if (!bundle) break;
        expect(bundle.messages.length).toBeGreaterThan(0);
        expect(bundle.messages.length).toBeLessThanOrEqual(25);
        // Not acknowledged yet: the same bundle again, identical.
        expect(await stack.peek(key, '?max=7')).toEqual(bundle);
        if (!restarted && round === 1) {
          await stack.restartAll();
          restarted = true;
          expect(await stack.peek(key)).toEqual(bundle);
        }
        served[party].push(...bundle.messages);
        const ack = await stack.del(`/v1/mailbox/bundles/${bundle.bundleId}`, key);
        expect(ack.status).toBe(204);
        // Acknowledging again changes nothing.
        expect((await stack.del(`/v1/mailbox/bundles/${bundle.bundleId}`, key)).status).toBe(204);
      }
      // Barrier: the mailbox's cursor reached the outbox's high watermark.
      await stack.acknowledgedAll(party);
    }
    expect(restarted).toBe(true);

    for (const party of ['R0001', 'R0002'] as const) {
      const ids = served[party].map((e) => String(e.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(truth[party].map((e) => String(e.id)).sort());
      expect(bySupplyPoint(served[party])).toEqual(bySupplyPoint(truth[party]));
      // Exactly as on the outbox.
      const byId = new Map(truth[party].map((e) => [String(e.id), e]));
      for (const e of served[party]) expect(e).toEqual(byId.get(String(e.id)));
    }
    // Nothing is served again once acknowledged.
    expect(await stack.peek(r1)).toBeNull();
    expect(await stack.peek(r2)).toBeNull();
  });

  it('keeps the HTTP cursor and a Kafka reader of the same outbox apart', async () => {
    const topic = stack.topics.outbox('R0001');
    const httpGroup = `${stack.config.topicPrefix}.mailbox.R0001`;
    const before = await stack.kafka.committedOffsets(httpGroup, topic);
    // The party's own Kafka consumer reads the whole outbox and commits as it goes.
    const kafkaGroup = `R0001.reader-${Date.now()}`;
    const consumer = await stack.kafka.createConsumer({
      groupId: kafkaGroup,
      topics: [topic],
      fromBeginning: true,
      readCommitted: true,
      handle: (batch) => batch.commit(),
    });
    try {
      await stack.committedPastRecords(kafkaGroup, topic);
    } finally {
      await consumer.stop();
    }
    // The HTTP cursor did not move, and what was acknowledged over HTTP is not served again.
    expect(await stack.kafka.committedOffsets(httpGroup, topic)).toEqual(before);
    expect(await stack.peek(r1)).toBeNull();
    // New events reach both doors.
    await stack.send('TD03', stack.readings(3, 'R0001'));
    const bundle = await stack.peek(r1);
    expect(bundle?.messages).toHaveLength(3);
    expect((await stack.del(`/v1/mailbox/bundles/${bundle!.bundleId}`, r1)).status).toBe(204);
    await stack.acknowledgedAll('R0001');
  });

  it("never shows one party another's events, and no call can name another party", async () => {
    await stack.send('TD03', [...stack.readings(5, 'R0001'), ...stack.readings(5, 'R0002')]);
    const b1 = await stack.peek(r1, '?max=100');
    const b2 = await stack.peek(r2, '?max=100');
    expect(b1?.messages.map((m) => (m.data as JsonObject).retailerId)).toEqual(Array(5).fill('R0001'));
    expect(b2?.messages.map((m) => (m.data as JsonObject).retailerId)).toEqual(Array(5).fill('R0002'));
    const r2Ids = new Set((await stack.outbox('R0002')).map((e) => String(e.id)));
    expect(b1!.messages.some((m) => r2Ids.has(String(m.id)))).toBe(false);

    // No parameter, header or path names another party.
    expect((await stack.get('/v1/mailbox?party=R0002', r1)).status).toBe(400);
    expect((await stack.get('/v1/mailbox?partyId=R0002', r1)).status).toBe(400);
    expect((await stack.get('/v1/mailbox', r1, { 'Kyodo-On-Behalf-Of': 'R0002' })).status).toBe(403);
    expect((await stack.get('/v1/mailbox', r1, { 'Kyodo-On-Behalf-Of': 'NOBODY' })).status).toBe(403);
    // B's bundle is no bundle of A's: 409, and B's bundle stays open.
    expect((await stack.del(`/v1/mailbox/bundles/${b2!.bundleId}`, r1)).status).toBe(409);
    expect(await stack.peek(r2)).toEqual(b2);
    expect((await stack.del('/v1/mailbox/bundles/not-a-bundle', r1)).status).toBe(409);
    expect((await stack.del('/v1/mailbox/bundles/3b0d6a52-4f0e-4c1d-9a8b-2f6e1d7c5a90', r1)).status).toBe(
      409,
    );
    // A party posts only as itself.
    const foreign = factory.meterReading({ sender: 'R0002', area: '03' });
    expect((await stack.post('/v1/inbox', r1, foreign)).status).toBe(403);

    for (const [key, bundle] of [
      [r1, b1],
      [r2, b2],
    ] as const)
      expect((await stack.del(`/v1/mailbox/bundles/${bundle!.bundleId}`, key)).status).toBe(204);
    await stack.acknowledgedAll('R0001');
    await stack.acknowledgedAll('R0002');
  });

  it('keeps other keys out of the mailbox and party keys out of everything else', async () => {
    const admin = await stack.key('registry-admin');
    const officer = await stack.key('privacy-officer');
    for (const key of [auditor, admin, officer]) {
      expect((await stack.get('/v1/mailbox', key)).status).toBe(403);
      expect((await stack.del('/v1/mailbox/bundles/3b0d6a52-4f0e-4c1d-9a8b-2f6e1d7c5a90', key)).status).toBe(
        403,
      );
      expect((await stack.post('/v1/inbox', key, factory.meterReading({ sender: 'TD03' }))).status).toBe(403);
    }
    // Every other /v1/ route the API offers (the OpenAPI document lists them, the console's data routes
    // included), with the party's key.
    const doc = (await stack.get('/openapi.json', r1)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method })),
    );
    const others = routes.filter((r) => !r.path.startsWith('/v1/mailbox') && r.path !== '/v1/inbox');
    expect(others.length).toBeGreaterThanOrEqual(14);
    expect(others.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/v1/audit/health', '/v1/registry/counts', '/v1/whoami', '/v1/disclosures']),
    );
    for (const { path, method } of others) {
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const status =
        method === 'get'
          ? (await stack.get(url, r1)).status
          : method === 'delete'
            ? (await stack.del(url, r1)).status
            : (await stack.post(url, r1, {}, 'application/json')).status;
      expect({ method, path, status }).toEqual({ method, path, status: 403 });
    }
    // The console's pages are open and carry no data; their data comes from the routes above.
    expect((await stack.get('/console', r1)).status).toBe(200);
  });

  it('serves a bundle of 2,000 events, then the rest', async () => {
    await stack.send('TD03', stack.readings(2100, 'R0001', 11));
    const first = await stack.peek(r1, '?max=2000');
    expect(first?.messages).toHaveLength(2000);
    expect((await stack.del(`/v1/mailbox/bundles/${first!.bundleId}`, r1)).status).toBe(204);
    const rest = await stack.peek(r1, '?max=2000');
    expect(rest?.messages).toHaveLength(100);
    expect((await stack.del(`/v1/mailbox/bundles/${rest!.bundleId}`, r1)).status).toBe(204);
    await stack.acknowledgedAll('R0001');
    expect(await stack.peek(r1)).toBeNull();
    const ids = [...first!.messages, ...rest!.messages].map((m) => String(m.id));
    expect(new Set(ids).size).toBe(2100);
  });

  it('holds a call with wait until an event arrives, and answers 204 after wait seconds when none does', async () => {
    let started = Date.now();
    expect((await stack.get('/v1/mailbox?wait=3', r1)).status).toBe(204);
    const idle = Date.now() - started;
    expect(idle).toBeGreaterThanOrEqual(2900);
    expect(idle).toBeLessThan(8000);

    started = Date.now();
    const waiting = stack.peek(r1, '?wait=25');
    await new Promise((done) => setTimeout(done, 1000));
    const sentAt = Date.now();
    await stack.send('TD03', stack.readings(1, 'R0001'));
    const bundle = await waiting;
    const answeredAfter = Date.now() - sentAt;
    expect(bundle?.messages).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Soon after the event is on the outbox (the gateway's own time included), far before the 25 s.
    expect(answeredAfter).toBeLessThan(10_000);
    expect((await stack.del(`/v1/mailbox/bundles/${(bundle as Bundle).bundleId}`, r1)).status).toBe(204);
  });

  it('serves concurrent callers one bundle, and a waiting caller nothing already acknowledged', async () => {
    const waiting = Array.from({ length: 4 }, () => stack.peek(r1, '?wait=20&max=3'));
    await new Promise((done) => setTimeout(done, 500));
    await stack.send('TD03', stack.readings(6, 'R0001'));
    const bundles = await Promise.all(waiting);
    expect(new Set(bundles.map((b) => b?.bundleId)).size).toBe(1);
    const first = bundles[0]!;
    expect((await stack.del(`/v1/mailbox/bundles/${first.bundleId}`, r1)).status).toBe(204);
    // Callers racing acknowledgements: every event still in exactly one bundle.
    const seen = [...first.messages];
    for (let round = 0; round < 10; round += 1) {
      const racing = await Promise.all([stack.peek(r1, '?max=2'), stack.peek(r1, '?max=2')]);
      expect(racing[0]).toEqual(racing[1]);
      if (!racing[0]) break;
      seen.push(...racing[0].messages);
      await Promise.all([
        stack.del(`/v1/mailbox/bundles/${racing[0].bundleId}`, r1),
        stack.del(`/v1/mailbox/bundles/${racing[0].bundleId}`, r1),
      ]);
    }
    await stack.acknowledgedAll('R0001');
    const ids = seen.map((m) => String(m.id));
    expect(new Set(ids).size).toBe(6);
    expect(ids).toHaveLength(6);
  });

  it('refuses bad parameters with 400 naming them', async () => {
    const bad = await stack.get('/v1/mailbox?max=2001', r1);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/max/);
    expect((await stack.get('/v1/mailbox?wait=31', r1)).status).toBe(400);
    expect((await stack.get('/v1/mailbox?max=0', r1)).status).toBe(400);
  });
});
