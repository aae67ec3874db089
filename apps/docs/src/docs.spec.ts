import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import {
  EVENT_KINDS,
  EVENT_TYPES,
  NOTICE_TYPES,
  REJECTION_REASONS,
  STRUCTURED_CONTENT_TYPE,
} from '@kyodo/contracts';
import { parse } from 'yaml';
import { renderAsyncApi, renderOpenApi, repoRoot, type GeneratedDocument } from './render';

const ROOT = repoRoot(__dirname);

function committed(document: GeneratedDocument): string {
  return readFileSync(join(ROOT, document.path), 'utf8');
}

describe('docs/asyncapi.yaml', () => {
  const generated = renderAsyncApi();

  it('is a valid AsyncAPI 3 document (the AsyncAPI parser finds no error)', async () => {
    const { document, diagnostics } = await new Parser().parse(generated.text);
    const errors = diagnostics.filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error));
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const addresses = document
      ?.channels()
      .all()
      .map((c) => c.address())
      .sort();
    expect(addresses).toEqual(['kyodo.audit', 'kyodo.dlq', 'kyodo.in.{partyId}', 'kyodo.out.{partyId}']);
  });

  it('describes every event type in both content modes in, and delivered out', async () => {
    const { document } = await new Parser().parse(generated.text);
    const inbox = document?.channels().get('inbox');
    const outbox = document?.channels().get('outbox');
    // Plus Kyodo's own notices: the subject notice out, its acknowledgement in.
    expect(inbox?.messages().all()).toHaveLength(EVENT_KINDS.length * 2 + 1);
    expect(outbox?.messages().all()).toHaveLength(EVENT_KINDS.length + 1);
    const routed = (outbox?.messages().all() ?? []).filter((m) => !m.id().startsWith('SubjectNotice'));
    expect(routed).toHaveLength(EVENT_KINDS.length);
    for (const message of routed) {
      const headers = message.headers()?.json() as { properties: Record<string, { const?: string }> };
      expect(headers.properties['content-type'].const).toBe(STRUCTURED_CONTENT_TYPE);
      const payload = message.payload()?.json() as {
        properties: Record<string, unknown>;
        required: string[];
      };
      for (const extension of ['kyodopurpose', 'kyodopolicy', 'kyodoaudit', 'kyodoorigin', 'kyodooriginid'])
        expect(payload.required).toContain(extension);
    }
    const types = (inbox?.messages().all() ?? []).map((m) => {
      const payload = m.payload()?.json() as { properties: { type?: { const?: string } } };
      const headers = m.headers()?.json() as { properties: Record<string, { const?: string }> };
      return payload.properties.type?.const ?? headers.properties.ce_type?.const;
    });
    expect(new Set(types)).toEqual(
      new Set([...EVENT_KINDS.map((kind) => EVENT_TYPES[kind]), NOTICE_TYPES['subject-notice-ack']]),
    );
  });

  it('lists every rejection reason', () => {
    const doc = parse(generated.text) as {
      components: { schemas: { RejectionReason: { enum: string[] } } };
    };
    expect(doc.components.schemas.RejectionReason.enum).toEqual(Object.keys(REJECTION_REASONS));
  });

  it('is committed up to date (run npm run docs:generate)', () => {
    expect(committed(generated)).toBe(generated.text);
  });
});

describe('docs/openapi.json', () => {
  it('is built from the API module without a database, and committed up to date', async () => {
    const generated = await renderOpenApi();
    const document = JSON.parse(generated.text) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/disclosures', '/v1/audit', '/v1/reconciliation', '/v1/registry']),
    );
    expect(committed(generated)).toBe(generated.text);
  });
});
