import type { Disclosure } from './disclosures.service';

/** CSV columns, in order; list values are joined by single spaces. */
export const DISCLOSURE_COLUMNS = [
  'time',
  'recipientId',
  'recipientRole',
  'purposes',
  'fieldsDelivered',
  'fieldsWithheld',
  'policyVersion',
  'auditId',
  'eventType',
  'outboundId',
  'consentIds',
  'agreementIds',
] as const satisfies readonly (keyof Disclosure)[];

/**
 * RFC 4180: a header row, CRLF line ends (the command line passes `\n`), fields quoted only when they
 * hold a comma, quote or line break.
 */
export function disclosuresCsv(items: readonly Disclosure[], eol = '\r\n'): string {
  const lines = [DISCLOSURE_COLUMNS.join(',')];
  for (const item of items) {
    lines.push(
      DISCLOSURE_COLUMNS.map((column) => {
        const value = item[column];
        return csvField(typeof value === 'string' ? value : value.join(' '));
      }).join(','),
    );
  }
  return `${lines.join(eol)}${eol}`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
