/** Helpers shared by this library's specs. */

/** Where `▸` markers stood in `source` (1-based, columns in UTF-16 units like the parser's), and the text without them. */
export function marked(source: string): { text: string; marks: { line: number; column: number }[] } {
  const marks: { line: number; column: number }[] = [];
  let text = '';
  let line = 1;
  let column = 1;
  for (const ch of source) {
    if (ch === '▸') {
      marks.push({ line, column });
      continue;
    }
    text += ch;
    if (ch === '\n') {
      line += 1;
      column = 1;
    } else {
      column += ch.length;
    }
  }
  return { text, marks };
}

/** A valid set of parties, one of each role, for cases about enrollments and consents. */
export const PARTIES = `parties:
  - { id: R0001, role: retailer, name: "Clean Venture 21" }
  - { id: TD03, role: tdso, area: "03", name: "Tokyo T&D" }
  - { id: OCCTO, role: occto, name: OCCTO }
  - { id: DR001, role: aggregator, name: Negawatt Co }
  - { id: TP001, role: third-party, name: Home Energy App }
`;

export const SPID = '0300000000000000000001';
