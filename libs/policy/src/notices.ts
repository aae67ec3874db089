/**
 * The policy's `notices` section: who receives Kyodo's own subject notices and under which purpose, and
 * who may acknowledge them. They carry no field of the catalogue (only paths and audit ids), so they
 * have no masks; the engine resolves the one relation each names.
 */
export interface NoticePolicyDocument {
  readonly 'subject-notice'?: unknown;
  readonly 'subject-notice-ack'?: unknown;
}

export interface CompiledNotices {
  /** `past-recipient`: every party that received fields about the supply point in the period. */
  readonly relation: 'past-recipient';
  /** The purpose recorded on each notice's delivery, per request kind. */
  readonly purposes: Readonly<Record<'correction' | 'deletion', string>>;
  /** `notice-recipient`: only the party a notice was issued to may acknowledge it. */
  readonly ackSender: 'notice-recipient';
}

const PURPOSE = /^[a-z][a-z0-9-]{0,63}$/;

/** Checks the `notices` section; problems are appended. Undefined when the policy has none. */
export function compileNotices(raw: unknown, problems: string[]): CompiledNotices | undefined {
  if (raw === undefined) return undefined;
  const section = record(raw, 'notices', ['subject-notice', 'subject-notice-ack'], problems);
  if (!section) return undefined;
  const notice = record(
    section['subject-notice'],
    'notices.subject-notice',
    ['relation', 'purposes'],
    problems,
  );
  const ack = record(
    section['subject-notice-ack'],
    'notices.subject-notice-ack',
    ['sender', 'recipients'],
    problems,
  );
  const before = problems.length;
  if (notice && notice.relation !== 'past-recipient') {
    problems.push('notices.subject-notice.relation: must be past-recipient (the only relation a notice has)');
  }
  const purposes = notice
    ? record(notice.purposes, 'notices.subject-notice.purposes', ['correction', 'deletion'], problems)
    : undefined;
  for (const kind of ['correction', 'deletion'] as const) {
    const value = purposes?.[kind];
    if (purposes && (typeof value !== 'string' || !PURPOSE.test(value))) {
      problems.push(`notices.subject-notice.purposes.${kind}: must be a purpose name (lower-case, hyphens)`);
    }
  }
  if (ack && ack.sender !== 'notice-recipient') {
    problems.push(
      'notices.subject-notice-ack.sender: must be notice-recipient (only the recipient may answer)',
    );
  }
  if (ack && !(Array.isArray(ack.recipients) && ack.recipients.length === 0)) {
    problems.push(
      'notices.subject-notice-ack.recipients: must be [] (an acknowledgement is delivered to nobody)',
    );
  }
  if (problems.length > before || !notice || !ack || !purposes) return undefined;
  return {
    relation: 'past-recipient',
    purposes: { correction: purposes.correction as string, deletion: purposes.deletion as string },
    ackSender: 'notice-recipient',
  };
}

function record(
  value: unknown,
  entry: string,
  keys: readonly string[],
  problems: string[],
): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${entry}: must be a mapping of ${keys.join(', ')}`);
    return undefined;
  }
  const out = value as Record<string, unknown>;
  for (const key of Object.keys(out)) {
    if (!keys.includes(key)) problems.push(`${entry}: unknown key "${key}" (expected ${keys.join(', ')})`);
  }
  for (const key of keys) if (!(key in out)) problems.push(`${entry}.${key}: missing`);
  return out;
}
