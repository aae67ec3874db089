import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from './environment';

/**
 * The CloudEvents Java SDK harness (tools/cloudevents): its jars are resolved with Maven and the
 * harness compiled once, into `<cacheDir>/cloudevents-harness-<hash of pom and source>`, so later
 * runs start at once and a changed pom or source builds afresh.
 */
const TOOL_DIR = join(REPO_ROOT, 'tools', 'cloudevents');
const POM = join(TOOL_DIR, 'pom.xml');
const SOURCE = join(TOOL_DIR, 'CloudEventsHarness.java');
const MAIN_CLASS = 'CloudEventsHarness';

/** One event as the Java SDK read it (see CloudEventsHarness.describe). */
export interface JavaReadEvent {
  readonly key: string | null;
  readonly partition: number;
  readonly offset: number;
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string | null;
  readonly time: string | null;
  readonly datacontenttype: string | null;
  readonly extensions: Record<string, string | null>;
  readonly data: unknown;
  readonly headers: Record<string, string>;
}

/** An event for the harness to send: data is sent as JSON, keyed by subject. */
export interface JavaSentEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly data: unknown;
}

export class JavaCloudEvents {
  private constructor(private readonly dir: string) {}

  /** Builds the harness unless the cache already holds this version of it. */
  static async prepare(
    cacheDir: string,
    progress: (line: string) => void = () => undefined,
  ): Promise<JavaCloudEvents> {
    const hash = createHash('sha256').update(readFileSync(POM)).update(readFileSync(SOURCE)).digest('hex');
    const dir = join(cacheDir, `cloudevents-harness-${hash.slice(0, 16)}`);
    if (existsSync(join(dir, 'classes', `${MAIN_CLASS}.class`))) return new JavaCloudEvents(dir);
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    progress(`Resolving the CloudEvents Java SDK with Maven into ${dir} (first run only)...`);
    await run('mvn', [
      '-B',
      '-q',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${join(staging, 'libs')}`,
      '-DincludeScope=runtime',
    ]);
    await run('javac', ['-d', join(staging, 'classes'), '-cp', join(staging, 'libs', '*'), SOURCE]);
    if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
    else renameSync(staging, dir);
    return new JavaCloudEvents(dir);
  }

  /** Sends `events` to `topic` with the Java SDK's CloudEventSerializer (binary mode unless told). */
  async send(
    brokers: readonly string[],
    topic: string,
    events: readonly JavaSentEvent[],
    mode: 'binary' | 'structured' = 'binary',
  ): Promise<number> {
    const out = await this.java(['send', brokers.join(','), topic, mode], JSON.stringify(events));
    return (JSON.parse(out) as { sent: number }).sent;
  }

  /** Every committed record of `topic`, up to its end offsets, read with the CloudEventDeserializer. */
  async read(brokers: readonly string[], topic: string): Promise<JavaReadEvent[]> {
    const out = await this.java(['read', brokers.join(','), topic]);
    return (JSON.parse(out) as { events: JavaReadEvent[] }).events;
  }

  private java(args: readonly string[], input?: string): Promise<string> {
    const classpath = [join(this.dir, 'classes'), join(this.dir, 'libs', '*')].join(delimiter);
    return run('java', ['-cp', classpath, MAIN_CLASS, ...args], input);
  }
}

/** Runs a command without blocking the event loop (the gateway runs in the same process). */
function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else
        reject(
          new Error(
            `${command} ${args[0] ?? ''} exited with ${code}: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`,
          ),
        );
    });
    child.stdin.end(input ?? '');
  });
}
