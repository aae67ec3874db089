import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRegistryFile } from '.';

describe('demo/registry.yaml', () => {
  it('is a valid registry that defines every party it names', () => {
    const result = parseRegistryFile(readFileSync(join(__dirname, '../../../demo/registry.yaml'), 'utf8'));
    if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
    expect(result.references).toEqual([]);
    expect(result.data.parties.map((p) => p.id)).toEqual([
      'R0001',
      'R0002',
      'R0003',
      'TD03',
      'TD06',
      'TD09',
      'OCCTO',
      'DR001',
      'DR002',
      'TP001',
      'TP002',
    ]);
    expect(result.data.consents.filter((c) => c.revokedAt !== null)).toHaveLength(3);
    // Agreements are listed, so TP002 (consents, no agreement) receives nothing under consent.
    expect(result.data.agreements?.map((a) => a.thirdPartyId)).toEqual(['TP001']);
  });
});
