/**
 * The audit hash chain.
 *
 * Chain order: one chain per partition of the `kyodo.audit` topic, in that partition's offset order.
 * A row's position is (chainPartition, chainOffset) = (audit topic partition, offset of the audit
 * record there). Offsets may have gaps (transaction markers take offsets); only their order matters.
 * Each row carries the hash of the row before it in its chain (`GENESIS_HASH` for the first) and its
 * own hash, SHA-256 of `canonicalEncoding(record, chainPartition, chainOffset, prevHash)`.
 *
 * What verification sees:
 * - an edited row (any field, its hash or its prevHash): its hash no longer matches its content;
 * - a deleted row: the next row's prevHash no longer matches the row now before it;
 * - an inserted row: either its own hash or link does not fit, or the row after it links past it;
 * - rows cut from the end, or appended after it: only against the recorded chain heads (`heads`).
 * Old rows removed on purpose (retention) are replaced by anchors: the position and hash of the last
 * removed row of each chain, where verification then starts.
 */
import {
  AuditRecordError,
  auditRowHash,
  canonicalOffset,
  canonicalPartition,
  normalizeAuditRecord,
} from './canonical';
import type { AuditRecord } from './record';

export const GENESIS_HASH = '0'.repeat(64);
/** Offset of the genesis head: before any Kafka offset. */
export const GENESIS_OFFSET = '-1';

export type ChainedAuditRow = AuditRecord & {
  readonly chainPartition: number;
  readonly chainOffset: string;
  readonly prevHash: string;
  readonly hash: string;
};

/** One audit record at its position in the audit topic, before chaining. */
export interface ChainInput {
  readonly record: AuditRecord;
  readonly chainPartition: number;
  readonly chainOffset: string;
}

/** The last row of one chain (or genesis / an anchor when it has none). */
export interface ChainHead {
  readonly partition: number;
  readonly offset: string;
  readonly hash: string;
}

export function genesisHead(partition: number): ChainHead {
  return { partition, offset: GENESIS_OFFSET, hash: GENESIS_HASH };
}

export interface ChainResult {
  /** The new rows, by (chainPartition, chainOffset), records normalised (see normalizeAuditRecord). */
  readonly rows: ChainedAuditRow[];
  /** The head of every chain the inputs touched, after these rows. */
  readonly heads: ChainHead[];
  /** Inputs at or before their chain's head: already chained, so left out (replays, duplicates). */
  readonly skipped: number;
}

/**
 * Chains `inputs` onto the current heads (`prev`; a chain missing there starts at genesis). Inputs
 * are taken in (chainPartition, chainOffset) order whatever order they come in; one at or before its
 * chain's head is skipped, so replaying a batch never chains a record twice.
 */
export function chain(inputs: readonly ChainInput[], prev: Iterable<ChainHead> = []): ChainResult {
  const heads = new Map<number, { offset: bigint; head: ChainHead }>();
  for (const head of prev) heads.set(head.partition, { offset: BigInt(head.offset), head });
  const ordered = inputs
    .map((input) => {
      const chainPartition = canonicalPartition('chainPartition', input.chainPartition);
      const chainOffset = canonicalOffset('chainOffset', input.chainOffset);
      return { input, chainPartition, chainOffset, offset: BigInt(chainOffset) };
    })
    .sort(
      (a, b) =>
        a.chainPartition - b.chainPartition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    );
  const rows: ChainedAuditRow[] = [];
  const touched = new Set<number>();
  let skipped = 0;
  for (const { input, chainPartition, chainOffset, offset } of ordered) {
    touched.add(chainPartition);
    let current = heads.get(chainPartition);
    if (!current) {
      current = { offset: BigInt(GENESIS_OFFSET), head: genesisHead(chainPartition) };
      heads.set(chainPartition, current);
    }
    if (offset <= current.offset) {
      skipped += 1;
      continue;
    }
    const record = normalizeAuditRecord(input.record);
    const prevHash = current.head.hash;
    const hash = auditRowHash(record, chainPartition, chainOffset, prevHash);
    rows.push({ ...record, chainPartition, chainOffset, prevHash, hash });
    heads.set(chainPartition, { offset, head: { partition: chainPartition, offset: chainOffset, hash } });
  }
  const touchedHeads = [...touched].sort((a, b) => a - b).map((p) => heads.get(p)!.head);
  return { rows, heads: touchedHeads, skipped };
}

export type ChainProblem = 'edited' | 'deleted-or-inserted' | 'broken-link';

/**
 * The first row found wrong. `edited`: its hash does not match its content. `deleted-or-inserted`:
 * it does not link to the row before it (rows are missing before it, or it was inserted), or it lies
 * beyond its chain's recorded head; `id` is null when the missing rows are at the end of a chain and
 * there is no row to name, `chainOffset` then being the recorded head's. `broken-link`: it links, but
 * its position does not follow the row before it, or its chain's end disagrees with the recorded head.
 */
export interface ChainFault {
  readonly chainPartition: number;
  readonly chainOffset: string;
  readonly id: string | null;
  readonly problem: ChainProblem;
  readonly detail: string;
}

export type ChainVerification =
  | { readonly ok: true; readonly heads: ChainHead[]; readonly rows: number }
  | { readonly ok: false; readonly firstBad: ChainFault; readonly rows: number };

export interface VerifyOptions {
  /** The recorded head of each chain; when given, cut or appended ends are found too. */
  readonly heads?: Iterable<ChainHead>;
  /** Where a chain starts when its oldest rows were removed by retention; otherwise at genesis. */
  readonly anchors?: Iterable<ChainHead>;
  /** How many recent rows per chain are remembered to name the first of several inserted rows. */
  readonly window?: number;
}

interface Link {
  readonly hash: string;
  readonly offset: bigint;
  readonly offsetText: string;
  readonly id: string | null;
}

interface ChainState {
  readonly partition: number;
  readonly start: Link;
  /** Recently accepted links, oldest first; the last is the chain's current end. */
  recent: Link[];
  last: Link;
}

/**
 * Checks rows one at a time, in chain order within each partition (partitions may interleave).
 * Stops at the first fault; rows pushed after it are ignored.
 */
export class ChainVerifier {
  private readonly chains = new Map<number, ChainState>();
  private readonly anchors = new Map<number, ChainHead>();
  private readonly heads: Map<number, ChainHead> | undefined;
  private readonly window: number;
  private fault: ChainFault | undefined;
  private rows = 0;

  constructor(options: VerifyOptions = {}) {
    for (const anchor of options.anchors ?? []) this.anchors.set(anchor.partition, anchor);
    if (options.heads) {
      this.heads = new Map();
      for (const head of options.heads) this.heads.set(head.partition, head);
    }
    this.window = Math.max(2, options.window ?? 1024);
  }

  /** Checks the next row; returns the fault when this row (or an earlier one) is found wrong. */
  push(row: ChainedAuditRow): ChainFault | undefined {
    if (this.fault) return this.fault;
    this.rows += 1;
    const state = this.chain(row.chainPartition);
    const here = { chainPartition: row.chainPartition, chainOffset: String(row.chainOffset), id: row.id };

    let expected: string;
    try {
      expected = auditRowHash(row, row.chainPartition, row.chainOffset, row.prevHash);
    } catch (error) {
      const reason = error instanceof AuditRecordError ? error.message : String(error);
      return this.fail({ ...here, problem: 'edited', detail: `the row cannot be encoded: ${reason}` });
    }
    if (expected !== row.hash) {
      return this.fail({
        ...here,
        problem: 'edited',
        detail: `stored hash ${short(row.hash)} is not the hash of the row's content (${short(expected)})`,
      });
    }

    if (row.prevHash !== state.last.hash) {
      // Linking to an earlier row means the rows after that one were not part of the chain.
      const recent = state.recent;
      for (let i = recent.length - 2; i >= 0; i--) {
        if (recent[i].hash !== row.prevHash) continue;
        const inserted = recent[i + 1];
        return this.fail({
          chainPartition: row.chainPartition,
          chainOffset: inserted.offsetText,
          id: inserted.id,
          problem: 'deleted-or-inserted',
          detail: `inserted: the row at offset ${here.chainOffset} (${row.id}) links to offset ${recent[i].offsetText}, past this row`,
        });
      }
      const detail =
        state.last === state.start
          ? `previous hash ${short(row.prevHash)} does not match the chain's start (${state.start.offset < 0n ? 'genesis' : `anchor at offset ${state.start.offsetText}`}): rows before this one are missing, or this row does not belong here`
          : `previous hash ${short(row.prevHash)} does not match the row at offset ${state.last.offsetText} (${state.last.id}): rows between them are missing, that row was replaced, or this row does not belong here`;
      return this.fail({ ...here, problem: 'deleted-or-inserted', detail });
    }

    let offset: bigint;
    try {
      offset = BigInt(canonicalOffset('chainOffset', row.chainOffset));
    } catch {
      return this.fail({
        ...here,
        problem: 'broken-link',
        detail: `chain offset ${JSON.stringify(row.chainOffset)} is not an offset`,
      });
    }
    if (offset <= state.last.offset) {
      return this.fail({
        ...here,
        problem: 'broken-link',
        detail: `chain offset ${here.chainOffset} does not come after offset ${state.last.offsetText} of the row it links to`,
      });
    }

    if (this.heads) {
      const head = this.heads.get(row.chainPartition);
      if (!head) {
        return this.fail({
          ...here,
          problem: 'deleted-or-inserted',
          detail: `no chain head is recorded for partition ${row.chainPartition}`,
        });
      }
      if (offset > BigInt(head.offset)) {
        return this.fail({
          ...here,
          problem: 'deleted-or-inserted',
          detail: `the row lies beyond the recorded chain head at offset ${head.offset}`,
        });
      }
    }

    const link: Link = { hash: row.hash, offset, offsetText: here.chainOffset, id: row.id };
    state.recent.push(link);
    if (state.recent.length > 2 * this.window) state.recent = state.recent.slice(-this.window);
    state.last = link;
    return undefined;
  }

  /** The verdict, once every row has been pushed. */
  finish(): ChainVerification {
    if (!this.fault && this.heads) {
      const partitions = [...new Set([...this.heads.keys(), ...this.chains.keys()])].sort((a, b) => a - b);
      for (const partition of partitions) {
        const head = this.heads.get(partition)!;
        const state = this.chain(partition);
        if (head.offset === state.last.offsetText && head.hash === state.last.hash) continue;
        if (BigInt(head.offset) > state.last.offset) {
          this.fail({
            chainPartition: partition,
            chainOffset: head.offset,
            id: null,
            problem: 'deleted-or-inserted',
            detail: `the recorded chain head is at offset ${head.offset} but the chain ends at offset ${state.last.offsetText}: the rows after it are missing`,
          });
        } else {
          this.fail({
            chainPartition: partition,
            chainOffset: state.last.offsetText,
            id: state.last.id,
            problem: 'broken-link',
            detail: `the chain ends at offset ${state.last.offsetText} with hash ${short(state.last.hash)}, but the recorded head is offset ${head.offset} with hash ${short(head.hash)}`,
          });
        }
        break;
      }
    }
    if (this.fault) return { ok: false, firstBad: this.fault, rows: this.rows };
    const heads = [...this.chains.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((s) => ({ partition: s.partition, offset: s.last.offsetText, hash: s.last.hash }));
    return { ok: true, heads, rows: this.rows };
  }

  private chain(partition: number): ChainState {
    let state = this.chains.get(partition);
    if (!state) {
      const anchor = this.anchors.get(partition) ?? genesisHead(partition);
      const start: Link = {
        hash: anchor.hash,
        offset: BigInt(anchor.offset),
        offsetText: anchor.offset,
        id: null,
      };
      state = { partition, start, recent: [start], last: start };
      this.chains.set(partition, state);
    }
    return state;
  }

  private fail(fault: ChainFault): ChainFault {
    this.fault = fault;
    return fault;
  }
}

/**
 * Verifies rows in chain order (as `AuditRepository.streamChain` yields them). Stops reading at the
 * first fault and names it.
 */
export async function verifyChain(
  rows: Iterable<ChainedAuditRow> | AsyncIterable<ChainedAuditRow>,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(options);
  for await (const row of rows) {
    if (verifier.push(row)) break;
  }
  return verifier.finish();
}

/** The same, for rows already in memory. */
export function verifyChainSync(
  rows: Iterable<ChainedAuditRow>,
  options: VerifyOptions = {},
): ChainVerification {
  const verifier = new ChainVerifier(options);
  for (const row of rows) {
    if (verifier.push(row)) break;
  }
  return verifier.finish();
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? `${hash.slice(0, 12)}…` : String(hash);
}
