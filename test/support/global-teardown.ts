/** Stops the stack started by global-setup. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.logstreamTestStack;
  globalThis.logstreamTestStack = undefined;
  await stack?.teardown();
}
