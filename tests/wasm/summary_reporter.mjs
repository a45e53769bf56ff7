// A node:test reporter that prints one line at the end, `N passed, M failed`,
// counting tests (not suites), for CI scripts that add such lines up. Used by
// `make wasm-test` next to the spec reporter.
export default async function* summary(source) {
  let passed = 0, failed = 0;
  for await (const event of source) {
    const type = event.data?.details?.type;
    if (type === 'suite') continue;
    if (event.type === 'test:pass' && !event.data.skip && !event.data.todo) passed++;
    else if (event.type === 'test:fail') failed++;
  }
  yield `${passed} passed, ${failed} failed\n`;
}
