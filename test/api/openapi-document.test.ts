import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/environment';
import { startApiTestBed, type ApiTestBed } from './api-harness';

// docs/openapi.json is built without a server (apps/docs); the running API must serve that very document.

describe('GET /openapi.json', () => {
  let bed: ApiTestBed;

  beforeAll(async () => {
    bed = await startApiTestBed();
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('serves the committed docs/openapi.json', async () => {
    const res = await bed.get('/openapi.json');
    expect(res.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8')) as unknown;
    expect(res.body).toEqual(committed);
  });
});
