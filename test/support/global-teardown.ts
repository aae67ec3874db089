// Global teardown runs outside jest's module mapper, like the global setup.
import 'tsconfig-paths/register';
import { dropDatabase } from '@kyodo/infra';

export default async function globalTeardown(): Promise<void> {
  const template = globalThis.__KYODO_TEST_TEMPLATE_URL__;
  if (template) await dropDatabase(template).catch(() => undefined);
  await globalThis.__KYODO_TEST_ENV__?.stop();
}
