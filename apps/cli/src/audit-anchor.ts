import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { ChainedAuditRow, ChainHead } from '@kyodo/audit';

/**
 * Chain heads anchored outside the database. `kyodo audit anchor --out FILE` writes the verified heads
 * (partition, offset, hash) in a file signed with HMAC-SHA256 under KYODO_AUDIT_ANCHOR_KEY, a key kept
 * away from the database; `kyodo audit verify --anchor FILE` then requires the row at each anchored
 * position to still carry the anchored hash. Someone who rewrites the tail of a chain and its recorded
 * head together (which the chain alone cannot reveal) cannot forge the file without the key.
 */
export interface AnchorFile {
  readonly format: 'kyodo-audit-anchor/1';
  readonly createdAt: string;
  readonly topicPrefix: string;
  readonly heads: readonly ChainHead[];
  readonly signature: { readonly alg: 'HMAC-SHA256'; readonly value: string };
}

export class AnchorError extends Error {
  override readonly name = 'AnchorError';
}

const FORMAT = 'kyodo-audit-anchor/1';

function signedText(a: Pick<AnchorFile, 'createdAt' | 'topicPrefix' | 'heads'>): string {
  const heads = [...a.heads]
    .sort((x, y) => x.partition - y.partition)
    .map((h) => `${h.partition}:${h.offset}:${h.hash}`)
    .join(',');
  return `${FORMAT}\n${a.createdAt}\n${a.topicPrefix}\n${heads}`;
}

function sign(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

export async function writeAnchorFile(
  file: string,
  key: string,
  topicPrefix: string,
  heads: readonly ChainHead[],
  now: Date,
): Promise<AnchorFile> {
  const body = { createdAt: now.toISOString(), topicPrefix, heads: heads.map((h) => ({ ...h })) };
  const anchor: AnchorFile = {
    format: FORMAT,
    ...body,
    signature: { alg: 'HMAC-SHA256', value: sign(key, signedText(body)) },
  };
  await writeFile(file, `${JSON.stringify(anchor, null, 2)}\n`, { mode: 0o644 });
  return anchor;
}

/** Reads and checks an anchor file; throws an AnchorError naming what is wrong. */
export async function readAnchorFile(file: string, key: string): Promise<AnchorFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AnchorError(`cannot read the anchor file ${file}: ${(error as Error).message}`);
  }
  const a = parsed as Partial<AnchorFile>;
  const headsOk =
    Array.isArray(a.heads) &&
    a.heads.every(
      (h: Partial<ChainHead>) =>
        Number.isInteger(h.partition) &&
        typeof h.offset === 'string' &&
        /^-?\d+$/.test(h.offset) &&
        typeof h.hash === 'string' &&
        /^[0-9a-f]{64}$/.test(h.hash),
    );
  if (
    a.format !== FORMAT ||
    typeof a.createdAt !== 'string' ||
    typeof a.topicPrefix !== 'string' ||
    !headsOk ||
    a.signature?.alg !== 'HMAC-SHA256' ||
    typeof a.signature.value !== 'string'
  ) {
    throw new AnchorError(`${file} is not a Kyodo audit anchor file (${FORMAT})`);
  }
  const anchor = a as AnchorFile;
  const expected = Buffer.from(sign(key, signedText(anchor)), 'hex');
  const given = Buffer.from(anchor.signature.value, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AnchorError(
      `the signature of ${file} does not match: the file was altered, or KYODO_AUDIT_ANCHOR_KEY is not the key it was signed with`,
    );
  }
  return anchor;
}

/**
 * Watches the rows as they are verified and records the hash found at each anchored position, so the
 * anchors are checked in the same pass as the chain.
 */
export class AnchorWatch {
  private readonly wanted = new Map<string, ChainHead>();
  private readonly found = new Map<string, string>();

  constructor(readonly anchor: AnchorFile) {
    for (const h of anchor.heads) this.wanted.set(`${h.partition}:${h.offset}`, h);
  }

  async *watch(rows: AsyncIterable<ChainedAuditRow>): AsyncGenerator<ChainedAuditRow> {
    for await (const row of rows) {
      const key = `${row.chainPartition}:${row.chainOffset}`;
      if (this.wanted.has(key)) this.found.set(key, row.hash);
      yield row;
    }
  }

  /**
   * One line per anchored head the trail no longer holds as anchored. An anchored row that retention
   * dropped since (its offset at or before the partition's retention anchor) is not held against it.
   */
  problems(retention: readonly ChainHead[]): string[] {
    const dropped = new Map(retention.map((r) => [r.partition, BigInt(r.offset)]));
    const out: string[] = [];
    for (const [key, head] of this.wanted) {
      const hash = this.found.get(key);
      if (hash === head.hash) continue;
      const cut = dropped.get(head.partition);
      if (hash === undefined && cut !== undefined && BigInt(head.offset) <= cut) continue;
      out.push(
        hash === undefined
          ? `Anchor MISMATCH at partition ${head.partition}, offset ${head.offset}: the row anchored on ${this.anchor.createdAt} is gone (the chain was cut or rewritten below it)`
          : `Anchor MISMATCH at partition ${head.partition}, offset ${head.offset}: hash ${hash} where ${head.hash} was anchored on ${this.anchor.createdAt} (the chain was rewritten)`,
      );
    }
    return out;
  }
}
