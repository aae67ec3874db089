/**
 * The Java rows: Kafka's own ProducerPerformance and ConsumerPerformance (the broker's ceiling, with the
 * jars `kyodo infra up` fetched), and the Kafka Streams peer (tools/streams-peer), built with Maven once
 * into the cache.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LocalKafka } from '@kyodo/infra';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const PEER_DIR = join(REPO_ROOT, 'tools', 'streams-peer');

export function kafkaLibs(cacheDir: string, stateDir: string): string {
  return new LocalKafka({ repoRoot: REPO_ROOT, cacheDir, stateDir }).ensureJars();
}

function runJava(classpath: string, args: readonly string[]): string {
  const result = spawnSync('java', ['-Xmx512m', '-cp', classpath, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`java ${args[0]} exited with ${result.status}: ${result.stderr.slice(-1500)}`);
  return result.stdout;
}

export interface ProducerCeiling {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly ackP50: number;
  readonly ackP99: number;
  readonly ackP999: number;
}

/**
 * ProducerPerformance: `records` records drawn from `payloadFile` (one input value a line, so the
 * size and content are the comparison's), acks=all, idempotent, compressed as the gateway writes, in
 * batches of up to 512 KiB, as fast as the broker takes them.
 */
export function producerPerformance(
  libs: string,
  bootstrap: string,
  topic: string,
  records: number,
  payloadFile: string,
  compression: string,
): ProducerCeiling {
  const out = runJava(join(libs, '*'), [
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--throughput',
    '-1',
    '--payload-file',
    payloadFile,
    '--producer-props',
    `bootstrap.servers=${bootstrap}`,
    'acks=all',
    `compression.type=${compression}`,
    'batch.size=524288',
    'linger.ms=5',
  ]);
  // "20000 records sent, 1234.5 records/sec (3.21 MB/sec), … 40 ms 50th, 100 ms 95th, 120 ms 99th, 123 ms 99.9th."
  const summary = out
    .trim()
    .split('\n')
    .reverse()
    .find((line) => line.includes('records sent'));
  const match =
    summary &&
    /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).* (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/.exec(
      summary,
    );
  if (!match) throw new Error(`unexpected ProducerPerformance output: ${out.slice(-500)}`);
  return {
    recordsPerSecond: Number(match[1]),
    mbPerSecond: Number(match[2]),
    ackP50: Number(match[3]),
    ackP99: Number(match[4]),
    ackP999: Number(match[5]),
  };
}

/** ConsumerPerformance: reads `records` records of `topic`; the fetch rate, start-up and join excluded. */
export function consumerPerformance(
  libs: string,
  bootstrap: string,
  topic: string,
  records: number,
  group: string,
): { recordsPerSecond: number; mbPerSecond: number } {
  const out = runJava(join(libs, '*'), [
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    topic,
    '--messages',
    String(records),
    '--group',
    group,
    '--timeout',
    '60000',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = out.trim().split('\n');
  const header = lines.findIndex((line) => line.includes('fetch.nMsg.sec'));
  if (header < 0 || !lines[header + 1]) throw new Error(`unexpected ConsumerPerformance output: ${out}`);
  const names = lines[header].split(',').map((s) => s.trim());
  const values = lines[header + 1].split(',').map((s) => s.trim());
  const value = (name: string) => Number(values[names.indexOf(name)]);
  return { recordsPerSecond: value('fetch.nMsg.sec'), mbPerSecond: value('fetch.MB.sec') };
}

/** Resolves Kafka Streams with Maven and compiles the peer, unless the cache holds this version. */
export function prepareStreamsPeer(cacheDir: string, progress: (line: string) => void): string {
  const pom = join(PEER_DIR, 'pom.xml');
  const source = join(PEER_DIR, 'StreamsPeer.java');
  const hash = createHash('sha256').update(readFileSync(pom)).update(readFileSync(source)).digest('hex');
  const dir = join(cacheDir, `streams-peer-${hash.slice(0, 16)}`);
  if (existsSync(join(dir, 'classes', 'StreamsPeer.class'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  progress(`Resolving Kafka Streams with Maven into ${dir} (first run only)...`);
  const steps: [string, string[]][] = [
    [
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pom,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(staging, 'libs')}`,
        '-DincludeScope=runtime',
      ],
    ],
    ['javac', ['-d', join(staging, 'classes'), '-cp', join(staging, 'libs', '*'), source]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
  }
  if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, dir);
  return dir;
}

export interface StreamsPeer {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the peer; resolves once Kafka Streams reports RUNNING. */
export function startStreamsPeer(
  dir: string,
  bootstrap: string,
  applicationId: string,
  inputs: readonly string[],
  outputs: readonly string[],
  compression: string,
): Promise<StreamsPeer> {
  const classpath = [join(dir, 'classes'), join(dir, 'libs', '*')].join(delimiter);
  const child: ChildProcessWithoutNullStreams = spawn(
    'java',
    [
      '-Xmx512m',
      '-cp',
      classpath,
      'StreamsPeer',
      bootstrap,
      applicationId,
      inputs.join(','),
      outputs.join(','),
      compression,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`the Kafka Streams peer exited with ${code}: ${stderr}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('RUNNING'))
        resolve({
          pid: child.pid!,
          stop: async () => {
            child.stdin.end();
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            await exited;
            clearTimeout(timer);
          },
        });
    });
  });
}
