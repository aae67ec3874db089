export default async function globalTeardown(): Promise<void> {
  await globalThis.__KYODO_TEST_ENV__?.stop();
}
