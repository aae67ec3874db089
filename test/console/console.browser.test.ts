/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { supplyPointHmac } from '@kyodo/audit';
import { RegistrySnapshot, topicsFor } from '@kyodo/contracts';
import { ApiKeyRepository, createDataSource, RegistryRepository } from '@kyodo/persistence';
import type { DataSource } from 'typeorm';
import { CliContext } from '../../apps/cli/src/context';
import { demoTraffic } from '../../apps/cli/src/demo/traffic';
import { importRegistryFile } from '../../apps/cli/src/registry.command';
import { REPO_ROOT } from '../support/environment';
import { createTestDatabase, testConfig, testKafka, waitFor } from '../support/harness';

// The compliance console in headless Chromium against a running `kyodo run` (gateway, audit writer and
// API in a separate process) after the demo traffic, on the real broker and database: sign in, look up
// a supply point, see the recipients the policy gives it, export CSV, verify the chain; every page is
// photographed. The supply point id must appear in no URL the browser loads and no line the server logs.

/** Debian's `chromium` package; nothing is downloaded. KYODO_CHROMIUM names another build. */
const CHROMIUM = process.env.KYODO_CHROMIUM ?? '/usr/bin/chromium';
/** Where the screenshots go: docs/console to refresh the committed ones, else under reports/. */
const SHOTS = resolve(REPO_ROOT, process.env.KYODO_CONSOLE_SCREENSHOTS ?? join('reports', 'console'));
const SPID = '0300000000000000000001';
const DAYS = 30;

/*
 * Who receives what about SPID under the default policy and demo/registry.yaml: the switch R0001 → R0002
 * (sent by R0002, so never echoed to it) goes to OCCTO, the contract holder R0001 and the area TSO TD03;
 * the meter readings (sent by TD03) to the contract retailer R0002, the enrolled aggregator DR001 and
 * TP001 (consent C-0001 covers meter readings all November); the negawatt dispatch (sent by DR001) to
 * TD03 and R0002 (TP001's consent does not cover negawatt).
 */
const EXPECTED_RECIPIENTS = ['DR001', 'OCCTO', 'R0001', 'R0002', 'TD03', 'TP001'];

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runKyodo(env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kyodo.js'), 'run'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { child, output, exited };
}

/** Fails, never skips, when the browser is missing. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), ` +
        'as .ci/run does, or set KYODO_CHROMIUM to a Chromium binary. The console browser test cannot run without it.',
    );
  }
}

function launchChromium(profile: string): Promise<Browser> {
  requireChromium();
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--lang=en-US',
    ],
    defaultViewport: { width: 1360, height: 900 },
  });
}

describe('the compliance console in headless Chromium, against kyodo run after the demo traffic', () => {
  const kafka = testKafka();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let kyodo: Running | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let auditorKey: string;
  let adminKey: string;
  let spids: string[];
  let hmacKey: string;
  const urls: string[] = [];
  /** Script errors in the page; a refused request (the 401 and 403 the test provokes) is not one. */
  const pageErrors: string[] = [];
  const profile = mkdtempSync(join(tmpdir(), 'kyodo-chromium-'));
  const downloads = mkdtempSync(join(tmpdir(), 'kyodo-downloads-'));

  beforeAll(async () => {
    requireChromium();
    mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase();
    const config = testConfig({ databaseUrl: db.url });
    hmacKey = config.auditHmacKey;
    const ctx = new CliContext(
      config,
      () => undefined,
      () => undefined,
    );
    expect(await importRegistryFile(ctx, join(REPO_ROOT, 'demo', 'registry.yaml'))).toBe(0);
    ds = createDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    auditorKey = (await new ApiKeyRepository(ds).create('auditor')).secret;
    adminKey = (await new ApiKeyRepository(ds).create('registry-admin')).secret;

    kyodo = runKyodo({
      ...process.env,
      KAFKA_BROKERS: config.kafkaBrokers.join(','),
      DATABASE_URL: db.url,
      KYODO_TOPIC_PREFIX: config.topicPrefix,
      KYODO_HTTP_PORT: '0',
      KYODO_INSTANCE_ID: 'console-browser',
      KYODO_AUDIT_HMAC_KEY: config.auditHmacKey,
      KYODO_LOG_LEVEL: 'info',
    });
    const running = kyodo;
    const port = await waitFor(
      () => {
        const started = running.output
          .join('')
          .split('\n')
          .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { msg?: string; port?: number }) : {}))
          .find((line) => line.msg === 'kyodo started');
        return started?.port;
      },
      { what: 'kyodo run to listen', timeoutMs: 60_000 },
    );
    base = `http://127.0.0.1:${port}`;
    await waitFor(() => running.output.join('').includes('gateway consuming'), {
      what: 'the gateway to consume',
      timeoutMs: 60_000,
    });

    // The demo's traffic, as `kyodo demo` sends it; wait until every input has its audit record.
    const registry = new RegistrySnapshot((await new RegistryRepository(ds).loadSnapshot()).data);
    const traffic = demoTraffic(registry, topicsFor(config.topicPrefix), DAYS);
    spids = [...new Set(traffic.records.map((r) => r.key).filter((k): k is string => typeof k === 'string'))];
    const producer = await kafka.createProducer();
    for (let i = 0; i < traffic.records.length; i += 500)
      await producer.send(traffic.records.slice(i, i + 500));
    await producer.disconnect();
    await waitFor(
      async () => {
        const rows: { n: number }[] = await ds.query(
          `SELECT count(DISTINCT (inbound_topic, inbound_partition, inbound_offset))::int AS n FROM audit_record`,
        );
        return rows[0].n === traffic.records.length;
      },
      { what: `audit records of all ${traffic.records.length} inputs`, timeoutMs: 120_000, intervalMs: 250 },
    );

    browser = await launchChromium(profile);
    page = await browser.newPage();
    page.on('request', (request) => urls.push(request.url()));
    page.on('framenavigated', (frame) => urls.push(frame.url()));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        pageErrors.push(message.text());
    });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (kyodo && kyodo.child.exitCode === null) {
      kyodo.child.kill('SIGTERM');
      await kyodo.exited;
    }
    await kafka.close();
    await ds?.destroy();
    await db?.drop();
    rmSync(profile, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  /** `fullPage` false: the first 1500 pixels only (the disclosures timeline runs long). */
  async function shot(name: string, fullPage = true): Promise<void> {
    if (fullPage) {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
      return;
    }
    await page.setViewport({ width: 1360, height: 1500 });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    await page.setViewport({ width: 1360, height: 900 });
  }

  /** How many datasets the Chart.js chart drawn on this canvas has (0: none drawn). */
  async function chartDatasets(selector: string): Promise<number> {
    return page.$eval(selector, (canvas) => {
      const chart = (
        window as unknown as {
          Chart: { getChart(c: Element): { data: { datasets: unknown[] } } | undefined };
        }
      ).Chart.getChart(canvas);
      return chart ? chart.data.datasets.length : 0;
    });
  }

  async function ready(): Promise<void> {
    await page.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000 });
  }

  async function text(selector: string): Promise<string> {
    return page.$eval(selector, (node) => node.textContent ?? '');
  }

  it('signs in with an auditor key kept in session storage, never in a URL or cookie', async () => {
    await page.goto(`${base}/console?lang=en`);
    await shot('sign-in');
    await page.type('#api-key', 'kyodo_not-a-key');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#status')?.classList.contains('error'));
    expect(await text('#status')).toContain('unknown or revoked');

    await page.$eval('#api-key', (input) => ((input as HTMLInputElement).value = ''));
    await page.type('#api-key', auditorKey);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/console/disclosures');
    await ready();
    expect(await page.evaluate(() => sessionStorage.getItem('kyodo.console.apiKey'))).toBe(auditorKey);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await text('#session-role')).toContain('auditor');
  });

  it('looks up a supply point: the timeline shows every delivery to the expected recipients', async () => {
    await page.type('#supply-point', SPID);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#results:not([hidden]) #timeline tbody tr');
    const recipients = await page.$$eval('#recipient-list li', (items) =>
      items.map((li) => li.getAttribute('data-recipient')),
    );
    expect(recipients).toEqual(EXPECTED_RECIPIENTS);

    // The timeline holds exactly the deliveries the audit trail records for that supply point.
    const audited: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM audit_record WHERE supply_point_hmac = $1 AND outcome = 'delivered'`,
      [supplyPointHmac(hmacKey, SPID)],
    );
    const rows = await page.$$eval('#timeline tbody tr:not(.day)', (trs) => trs.length);
    expect(rows).toBe(audited[0].n);
    expect(await text('#disclosure-summary')).toContain(`${audited[0].n} deliveries to 6 recipients`);
    await page.click('#timeline tbody details summary');
    await shot('disclosures', false);

    // Filtering by a recipient leaves only its rows.
    await page.select('#recipient-filter', 'TD03');
    const shown = await page.$$eval('#timeline tbody tr:not(.day) td:nth-child(2)', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown)).toEqual(new Set(['TD03']));
    await page.select('#recipient-filter', '');
  });

  it('exports the timeline as CSV', async () => {
    await page.click('#export-csv');
    const file = await waitFor(() => readdirSync(downloads).find((name) => name.endsWith('.csv')), {
      what: 'the CSV download',
    });
    expect(file).not.toContain(SPID);
    const lines = readFileSync(join(downloads, file), 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'time,recipientId,recipientRole,purposes,fieldsDelivered,fieldsWithheld,policyVersion,auditId,eventType,outboundId,consentIds,agreementIds',
    );
    const rows = await page.$$eval('#timeline tbody tr:not(.day)', (trs) => trs.length);
    expect(lines).toHaveLength(rows + 1);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[1]))).toEqual(new Set(EXPECTED_RECIPIENTS));
    expect(await text('#status')).toContain(`${rows} rows`);
  });

  it('audit health: runs verify and shows the chain verified, and the reconciliation', async () => {
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/console/audit"]')]);
    await ready();
    expect(await page.$$eval('#heads-table tbody tr', (trs) => trs.length)).toBeGreaterThan(0);
    await page.click('#verify-now');
    await page.waitForSelector('#verify-now:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('#verify-state.ok');
    expect(await text('#verify-state')).toContain('Chain verified');
    await page.click('#reconcile-now');
    await page.waitForSelector('#reconcile-now:not([disabled])', { timeout: 90_000 });
    await page.waitForSelector('#reconcile-state');
    expect(await text('#reconcile-state')).toContain('Audit trail and outboxes agree');
    const runs: { kind: string; ok: boolean }[] = await ds.query(
      `SELECT kind, ok FROM audit_check_run ORDER BY kind`,
    );
    expect(runs).toEqual([
      { kind: 'reconcile', ok: true },
      { kind: 'verify', ok: true },
    ]);
    await shot('audit-health');
  });

  it('dead letters: counts by reason, the latest without their content', async () => {
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/console/dead-letters"]')]);
    await ready();
    const byReason: { reason: string; n: number }[] = await ds.query(
      `SELECT reason, count(*)::int AS n FROM audit_record WHERE outcome = 'rejected' GROUP BY reason ORDER BY reason`,
    );
    expect(byReason.length).toBeGreaterThan(0);
    const shown = await page.$$eval('#reasons-table tbody tr', (trs) =>
      trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]),
    );
    expect(
      shown.map(([reason, n]) => ({ reason, n: Number(n) })).sort((a, b) => a.reason.localeCompare(b.reason)),
    ).toEqual(byReason);
    expect(await chartDatasets('#rejections-chart')).toBe(byReason.length);
    const latest = await text('#latest-table');
    for (const spid of spids) expect(latest).not.toContain(spid);
    await shot('dead-letters');
  });

  it('data minimisation: fields delivered and withheld per role and purpose, as a chart and a table', async () => {
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/console/minimisation"]')]);
    await ready();
    const rows = await page.$$eval('#minimisation-rows tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)),
    );
    const groups: { n: number }[] = await ds.query(
      `SELECT count(DISTINCT (recipient_role, p))::int AS n FROM audit_record, unnest(purposes) AS p WHERE outcome = 'delivered'`,
    );
    expect(rows).toHaveLength(groups[0].n);
    expect(rows.find((r) => r[0] === 'Third party')?.[6]).toContain('customer.contractNumber');
    expect(await chartDatasets('#minimisation-chart')).toBe(2);
    await shot('minimisation');
  });

  it('Japanese labels, and keyboard use: skip link and focus reach the main content', async () => {
    await page.goto(`${base}/console/audit?lang=ja`);
    await ready();
    expect(await page.$eval('html', (html) => html.lang)).toBe('ja');
    expect(await text('h1')).toBe('監査証跡の健全性');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');
    await page.click('#verify-now');
    await page.waitForSelector('#verify-now:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('#verify-state.ok');
    expect(await text('#verify-state')).toContain('チェーンは検証済み');
    await shot('audit-health-ja');
    // Every form control has a label.
    await page.goto(`${base}/console/disclosures?lang=ja`);
    await ready();
    const unlabelled = await page.$$eval('input, select', (controls) =>
      controls.filter((c) => !(c as HTMLInputElement).labels?.length).map((c) => c.id),
    );
    expect(unlabelled).toEqual([]);
    await page.goto(`${base}/console/disclosures?lang=en`);
    await ready();
  });

  it('registry: counts for an auditor, party details only for a registry-admin key', async () => {
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/console/registry"]')]);
    await ready();
    expect(await text('#roles-table')).toContain('11');
    expect(await text('#enrollments-in-force')).toMatch(/^\d+ \/ 10$/);
    await page.click('#show-parties');
    await page.waitForSelector('#parties-denied');
    expect(await text('#parties-denied')).toContain('registry-admin');

    await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
    expect(await page.evaluate(() => sessionStorage.getItem('kyodo.console.apiKey'))).toBeNull();
    await page.type('#api-key', adminKey);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/console/registry');
    await ready();
    await page.click('#show-parties');
    await page.waitForSelector('#parties-table');
    expect(await page.$$eval('#parties-table tbody tr', (trs) => trs.length)).toBe(11);
    await shot('registry');
  });

  it('the API behind it: 401 without a key, 403 with a key of another role', async () => {
    const search = (authorization?: string) =>
      fetch(`${base}/v1/disclosures/search`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(authorization ? { Authorization: authorization } : {}),
        },
        body: JSON.stringify({ supplyPointId: SPID }),
      });
    expect((await search()).status).toBe(401);
    expect((await search(`Bearer ${adminKey}`)).status).toBe(403);
    expect((await search(`Bearer ${auditorKey}`)).status).toBe(200);
    for (const path of ['/v1/audit/health', '/v1/audit/rejections', '/v1/audit/minimisation']) {
      expect((await fetch(`${base}${path}`)).status).toBe(401);
      expect(
        (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${adminKey}` } })).status,
      ).toBe(403);
    }
    const verify = await fetch(`${base}/v1/audit/verify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminKey}` },
    });
    expect(verify.status).toBe(403);
    // The console's pages themselves carry no data, so they open without a key.
    expect((await fetch(`${base}/console/disclosures`)).status).toBe(200);
    expect((await fetch(`${base}/console/nothing-here`)).status).toBe(404);
  });

  it('no supply point id in any URL the browser loaded, nor in any line the server logged', () => {
    expect(urls.length).toBeGreaterThan(20);
    expect(urls.some((url) => url.includes('/v1/disclosures/search'))).toBe(true);
    const log = kyodo!.output.join('');
    expect(log).toContain('API request');
    for (const spid of spids) {
      expect(urls.filter((url) => url.includes(spid))).toEqual([]);
      expect(log.includes(spid)).toBe(false);
    }
    expect(urls.filter((url) => url.includes(auditorKey) || url.includes(adminKey))).toEqual([]);
    expect(log.includes(auditorKey)).toBe(false);
  });

  it('no script error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
