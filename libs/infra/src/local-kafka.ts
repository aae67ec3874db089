import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { KafkaJsClient, type KafkaSecurity } from '@kyodo/kafka';

/**
 * A single-node Apache Kafka broker (KRaft: broker and controller in one JVM) for development, tests
 * and the demo. Its jars come from Maven Central through `tools/kafka/pom.xml` and are cached outside
 * the repository; its data, log and pid live in the state directory.
 */
export interface LocalKafkaOptions {
  readonly repoRoot: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  readonly port?: number;
  readonly controllerPort?: number;
  /** The broker's own folder under the state directory (default `kafka`). */
  readonly stateSubdir?: string;
  readonly progress?: (line: string) => void;
}

export interface LocalKafkaStatus {
  readonly brokers: string[];
  readonly pid: number | null;
  /** `started`: this call started it; `reused`: one was already running. */
  readonly state: 'started' | 'reused';
  readonly logFile: string;
}

export class LocalKafkaError extends Error {
  override readonly name = 'LocalKafkaError';
}

const READY_TIMEOUT_MS = 90_000;
/** How long a recorded broker that is alive but not answering (perhaps still starting) is waited for. */
const RECORDED_GRACE_MS = 30_000;
const KAFKA_MAIN_CLASS = 'kafka.Kafka';

export class LocalKafka {
  protected readonly port: number;
  protected readonly controllerPort: number;
  protected readonly dir: string;
  protected readonly progress: (line: string) => void;

  constructor(protected readonly options: LocalKafkaOptions) {
    this.port = options.port ?? 9092;
    this.controllerPort = options.controllerPort ?? 9093;
    this.dir = join(options.stateDir, options.stateSubdir ?? 'kafka');
    this.progress = options.progress ?? (() => undefined);
  }

  get version(): string {
    const pom = readFileSync(this.pomFile, 'utf8');
    const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
    if (!match) throw new LocalKafkaError(`no <kafka.version> in ${this.pomFile}`);
    return match[1];
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, 'broker.log');
  }

  private get pomFile(): string {
    return join(this.options.repoRoot, 'tools', 'kafka', 'pom.xml');
  }

  private get pidFile(): string {
    return join(this.dir, 'broker.pid');
  }

  private get libDir(): string {
    return join(this.options.cacheDir, `kafka-${this.version}`, 'libs');
  }

  /**
   * Starts the broker unless one already answers; idempotent. A broker recorded in the pid file that
   * does not answer yet may be starting: it gets up to 30 s before it is stopped and started afresh,
   * and only if that pid still runs Kafka (a pid the system gave to another program is left alone).
   */
  async up(): Promise<LocalKafkaStatus> {
    const recorded = this.recordedPid();
    if (await this.answers()) {
      this.progress(
        `Kafka broker already answering on ${this.bootstrap}${recorded ? ` (pid ${recorded})` : ''}; reusing it`,
      );
      return { brokers: [this.bootstrap], pid: recorded, state: 'reused', logFile: this.logFile };
    }
    if (recorded !== null) {
      const reused = await this.settleRecorded(recorded);
      if (reused) return reused;
    }
    this.ensureJars();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.prepare();
    const properties = this.writeProperties();
    this.formatStorage(properties);
    const started = this.spawnBroker(properties);
    this.progress(`Kafka ${this.version} starting (pid ${started}); log: ${this.logFile}`);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!isAlive(started))
        throw new LocalKafkaError(`the Kafka broker exited during start-up\n${this.logTail()}`);
      if ((await this.answers()) && (await this.coordinatorsAnswer())) {
        this.progress(`Kafka broker ready on ${this.bootstrap}`);
        return { brokers: [this.bootstrap], pid: started, state: 'started', logFile: this.logFile };
      }
      await sleep(500);
    }
    throw new LocalKafkaError(
      `the Kafka broker did not answer within ${READY_TIMEOUT_MS / 1000}s\n${this.logTail()}`,
    );
  }

  /**
   * The recorded pid is alive but the broker did not answer: waits for it if it is a Kafka broker
   * (returning it once it answers), else forgets it. Leaves no pid file unless it returns the broker.
   */
  private async settleRecorded(pid: number): Promise<LocalKafkaStatus | undefined> {
    if (!this.isKafkaBroker(pid)) {
      this.forgetForeignPid(pid);
      return undefined;
    }
    this.progress(
      `Kafka broker pid ${pid} is running but not answering yet; waiting up to ${RECORDED_GRACE_MS / 1000}s for it`,
    );
    const deadline = Date.now() + RECORDED_GRACE_MS;
    while (Date.now() < deadline && isAlive(pid)) {
      if (await this.answers()) {
        this.progress(`Kafka broker pid ${pid} answers on ${this.bootstrap}; reusing it`);
        return { brokers: [this.bootstrap], pid, state: 'reused', logFile: this.logFile };
      }
      await sleep(500);
    }
    if (!isAlive(pid)) {
      this.progress(`Kafka broker pid ${pid} exited; starting afresh`);
      rmSync(this.pidFile, { force: true });
      return undefined;
    }
    if (!this.isKafkaBroker(pid)) {
      this.forgetForeignPid(pid);
      return undefined;
    }
    this.progress(
      `Kafka broker pid ${pid} still does not answer after ${RECORDED_GRACE_MS / 1000}s; stopping it and starting afresh`,
    );
    await this.stopPid(pid);
    return undefined;
  }

  /** Stops the broker started by `up`, by its recorded pid (only if that pid still runs Kafka). */
  async down(): Promise<{ stopped: boolean; pid: number | null }> {
    const pid = this.recordedPid();
    if (pid === null) return { stopped: false, pid: null };
    if (!this.isKafkaBroker(pid)) {
      this.forgetForeignPid(pid);
      return { stopped: false, pid: null };
    }
    await this.stopPid(pid);
    return { stopped: true, pid };
  }

  /** The pid file names a process that is no Kafka broker (the pid was reused): forget it, touch nothing. */
  private forgetForeignPid(pid: number): void {
    this.progress(
      `The recorded Kafka pid ${pid} now belongs to another program; discarding the pid file (that program is left alone)`,
    );
    rmSync(this.pidFile, { force: true });
  }

  /** Whether `pid` runs a Kafka broker (`kafka.Kafka` on its command line), as `spawnBroker` starts it. */
  isKafkaBroker(pid: number): boolean {
    return commandLine(pid)?.includes(KAFKA_MAIN_CLASS) ?? false;
  }

  recordedPid(): number | null {
    if (!existsSync(this.pidFile)) return null;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || !isAlive(pid)) {
      rmSync(this.pidFile, { force: true });
      return null;
    }
    return pid;
  }

  /** Before the broker is configured and formatted (the secured broker makes its certificates here). */
  protected prepare(): void {}

  /** How `answers()` reaches the broker: plaintext here. */
  protected clientSecurity(): KafkaSecurity | undefined {
    return undefined;
  }

  /** Extra arguments of `kafka-storage format` (the secured broker's SCRAM users). */
  protected formatArguments(): string[] {
    return [];
  }

  /**
   * Whether the group and transaction coordinators answer: on a broker just formatted they only do
   * once their internal topics exist, and a test or gateway that joins a group before that fails.
   */
  private coordinatorsAnswer(): Promise<boolean> {
    return this.probe((client) => client.coordinatorsAnswer('kyodo-infra.coordinators'));
  }

  answers(): Promise<boolean> {
    return this.probe((client) => client.ping(2000));
  }

  private async probe(check: (client: KafkaJsClient) => Promise<unknown>): Promise<boolean> {
    const client = new KafkaJsClient({
      brokers: [this.bootstrap],
      clientId: 'kyodo-infra',
      security: this.clientSecurity(),
    });
    try {
      await check(client);
      return true;
    } catch {
      return false;
    } finally {
      await client.close();
    }
  }

  /** Fetches the broker's jars with Maven into the cache, once. */
  ensureJars(): string {
    const libDir = this.libDir;
    if (existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('kafka_2.13-'))) return libDir;
    const staging = `${libDir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    this.progress(`Fetching Apache Kafka ${this.version} jars with Maven into ${libDir} (first run only)...`);
    const startedAt = Date.now();
    const mvn = spawnSync(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        this.pomFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (mvn.error)
      throw new LocalKafkaError(
        `could not run Maven (mvn): ${mvn.error.message}. Install Maven and Java 17+.`,
      );
    if (mvn.status !== 0)
      throw new LocalKafkaError(`Maven failed (exit ${mvn.status}) resolving ${this.pomFile}`);
    mkdirSync(join(libDir, '..'), { recursive: true });
    rmSync(libDir, { recursive: true, force: true });
    renameSync(staging, libDir);
    this.progress(
      `Fetched ${readdirSync(libDir).length} jars in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
    );
    return libDir;
  }

  private writeProperties(): string {
    const file = join(this.dir, 'server.properties');
    writeFileSync(file, [...this.listenerProperties(), ...this.storageProperties(), ''].join('\n'), {
      mode: 0o600,
    });
    return file;
  }

  /** Listeners and how the broker talks to its controller and to itself. */
  protected listenerProperties(): string[] {
    return [
      `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
    ];
  }

  /** One KRaft node, its data, and replication settings fit for a single node. */
  protected storageProperties(): string[] {
    return [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
      `log.dirs=${join(this.dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=10',
      'group.initial.rebalance.delay.ms=0',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
    ];
  }

  private java(args: string[]): string[] {
    return ['-cp', `${this.libDir}/*`, ...args];
  }

  private formatStorage(properties: string): void {
    if (existsSync(join(this.dir, 'data', 'meta.properties'))) return;
    const clusterId = randomClusterId();
    const format = spawnSync(
      'java',
      this.java([
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        properties,
        ...this.formatArguments(),
      ]),
      {
        encoding: 'utf8',
      },
    );
    if (format.error)
      throw new LocalKafkaError(`could not run java: ${format.error.message}. Install Java 17+.`);
    if (format.status !== 0)
      throw new LocalKafkaError(`formatting KRaft storage failed:\n${format.stdout}\n${format.stderr}`);
  }

  private spawnBroker(properties: string): number {
    const log = openSync(this.logFile, 'a');
    const log4j = resolve(this.options.repoRoot, 'tools', 'kafka', 'log4j2.yaml');
    const child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4j}`,
        `-Dkafka.logs.dir=${this.dir}`,
        ...this.java([KAFKA_MAIN_CLASS, properties]),
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new LocalKafkaError('could not start java for the Kafka broker');
    writeFileSync(this.pidFile, String(child.pid));
    return child.pid;
  }

  private async stopPid(pid: number): Promise<void> {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(this.pidFile, { force: true });
  }

  private logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return '(no broker log)';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command line of a running process: /proc where there is one, else `ps`; undefined if unknown. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    // no /proc (macOS), or the process is gone
  }
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  if (ps.error || ps.status !== 0) return undefined;
  return ps.stdout.trim() || undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage random-uuid` prints). */
function randomClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}
