import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKafka } from '@kyodo/infra';
import { REPO_ROOT } from '../support/environment';
import { waitFor } from '../support/harness';
import { runKyodo as kyodo } from '../support/secure-broker';

/** Nothing answers there: a command that tried to reach it would fail differently, or hang. */
const UNREACHABLE = {
  KAFKA_BROKERS: '127.0.0.1:1',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/kyodo',
};

describe('kyodo refuses what it cannot do safely (separate process)', () => {
  it('registry import --secrets without Kafka credentials: exit 1, saying why, nothing imported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyodo-secrets-'));
    try {
      writeFileSync(join(dir, 'registry.yaml'), 'parties:\n  - { id: R0001, role: retailer, name: "R" }\n');
      writeFileSync(join(dir, 'secrets.yaml'), 'R0001: "short"\n');
      const weak = await kyodo(
        ['registry', 'import', join(dir, 'registry.yaml'), '--secrets', join(dir, 'secrets.yaml')],
        UNREACHABLE,
      );
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('the password for R0001 is 5 characters long; at least 16 are required');
      expect(weak.stderr).not.toContain('"short"');
      writeFileSync(join(dir, 'secrets.yaml'), 'R0001: "long-enough-password-1"\n');
      const plain = await kyodo(
        ['registry', 'import', join(dir, 'registry.yaml'), '--secrets', join(dir, 'secrets.yaml')],
        UNREACHABLE,
      );
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('no KAFKA_SASL_MECHANISM');
      expect(plain.stderr + plain.stdout).not.toContain('long-enough-password-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run without KYODO_AUDIT_HMAC_KEY: exit 2, saying why, before reaching Kafka or PostgreSQL', async () => {
    const { code, stderr } = await kyodo(['run'], UNREACHABLE);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'KYODO_AUDIT_HMAC_KEY must be set: without it anyone who can read the audit can test guessed supply point ids against their HMACs',
    );
  });

  it('any command with a key shorter than 16 bytes: exit 2, naming the variable', async () => {
    const { code, stderr } = await kyodo(['run'], { ...UNREACHABLE, KYODO_AUDIT_HMAC_KEY: 'short' });
    expect(code).toBe(2);
    expect(stderr).toContain('KYODO_AUDIT_HMAC_KEY is 5 bytes long; it must be at least 16');
  });
});

describe('LocalKafka and its pid file', () => {
  let stateDir: string;
  let kafka: LocalKafka;
  const children: ChildProcess[] = [];

  /** A long-running process whose command line carries `args`. */
  function running(...args: string[]): number {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)', ...args], {
      stdio: 'ignore',
    });
    children.push(child);
    return child.pid!;
  }

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  function record(pid: number): string {
    const file = join(stateDir, 'kafka', 'broker.pid');
    mkdirSync(join(stateDir, 'kafka'), { recursive: true });
    writeFileSync(file, String(pid));
    return file;
  }

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'kyodo-infra-test-'));
    kafka = new LocalKafka({ repoRoot: REPO_ROOT, cacheDir: stateDir, stateDir, port: 1, controllerPort: 2 });
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('tells a Kafka broker from another program by its command line', () => {
    expect(kafka.isKafkaBroker(running('kafka.Kafka', 'server.properties'))).toBe(true);
    expect(kafka.isKafkaBroker(running('something-else'))).toBe(false);
    expect(kafka.isKafkaBroker(process.pid)).toBe(false);
  });

  it('down leaves alone a program that now has the recorded pid, and forgets the pid', async () => {
    const pid = running('unrelated-program');
    const file = record(pid);
    expect(await kafka.down()).toEqual({ stopped: false, pid: null });
    expect(alive(pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('down stops the broker it recorded', async () => {
    const pid = running('kafka.Kafka', 'server.properties');
    const file = record(pid);
    expect(await kafka.down()).toEqual({ stopped: true, pid });
    await waitFor(() => !alive(pid), { what: 'the broker process to end' });
    expect(existsSync(file)).toBe(false);
  });
});
