import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kyodo/config';
import { defaultPolicyPath } from '@kyodo/policy';
import { CliContext } from './context';
import { policyDiff } from './policy.command';

// `kyodo policy diff OLD NEW` on policy files written next to the default one.
describe('kyodo policy diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-policy-diff-'));
  const base = readFileSync(defaultPolicyPath(), 'utf8');
  const current = /^version: '([^']+)'/m.exec(base)![1];
  const versionLine = `version: '${current}'`;
  let out: string[];
  let progress: string[];
  let ctx: CliContext;

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  beforeEach(() => {
    out = [];
    progress = [];
    ctx = new CliContext(
      loadConfig({}),
      (line) => out.push(line),
      (line) => progress.push(line),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly the one field that moves from the contract retailer to the area tdso, and exits 1', () => {
    // meter-reading: customer.contractNumber leaves contract-retailer and joins area-tdso.
    const moved = base
      .replace(
        'fields: [meterId, intervals, totalKwh, customer.contractNumber]',
        'fields: [meterId, intervals, totalKwh]',
      )
      .replace(
        'purpose: td-operations\n        fields: [meterId, intervals, totalKwh]\n      - relation: enrolled-aggregator',
        'purpose: td-operations\n        fields: [meterId, intervals, totalKwh, customer.contractNumber]\n      - relation: enrolled-aggregator',
      )
      .replace(versionLine, "version: '2099-12-01.1'");
    expect(moved).not.toBe(base);
    const code = policyDiff(ctx, defaultPolicyPath(), file('moved.yaml', moved), {});
    expect(out.join('\n')).toBe(
      [
        `policy ${current} → 2099-12-01.1:`,
        '+ meter-reading area-tdso (tdso): customer.contractNumber',
        '- meter-reading contract-retailer (retailer): customer.contractNumber',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('a new version with the same allow-lists is no change: exit 0', () => {
    const same = base.replace(versionLine, "version: '2099-12-01.2'");
    expect(policyDiff(ctx, defaultPolicyPath(), file('same.yaml', same), { json: true })).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({ from: current, to: '2099-12-01.2', changes: [] });
  });

  it('names a purpose change and every field of a relation that is dropped', () => {
    const changed = base
      .replace('purpose: supply-point-confirmation', 'purpose: consignment-contract')
      .replace(
        / {6}- relation: consented-third-party\n {8}purpose: third-party-consent\n {8}fields: \[negawatt\.baseline, negawatt\.demandControl\]\n?/,
        '',
      );
    expect(policyDiff(ctx, defaultPolicyPath(), file('changed.yaml', changed), {})).toBe(1);
    expect(out.join('\n').split('\n').slice(1)).toEqual([
      '~ contract-switch gaining-retailer (retailer): purpose supply-point-confirmation → consignment-contract',
      '- negawatt consented-third-party (third-party): contractorId',
      '- negawatt consented-third-party (third-party): date',
      '- negawatt consented-third-party (third-party): dispatchId',
      '- negawatt consented-third-party (third-party): negawatt.baseline',
      '- negawatt consented-third-party (third-party): negawatt.demandControl',
      '- negawatt consented-third-party (third-party): retailerId',
    ]);
  });

  it('a file that is not a policy: a clear error naming it, exit 2', () => {
    const broken = file('broken.yaml', 'version: 1\n');
    expect(policyDiff(ctx, defaultPolicyPath(), broken, {})).toBe(2);
    expect(out).toEqual([]);
    expect(progress.join('\n')).toContain(broken);
  });
});
