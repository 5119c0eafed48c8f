/**
 * Fastify's `inject` (light-my-request) requires `cookie` 2, which ships only as an ES module,
 * and Jest's module loader cannot `require` ES modules on Node 20. light-my-request uses one
 * function of it, `stringifySetCookie`, and only for the `cookies` option of `inject`, which
 * these tests never pass; this stands in for it. Imported by the harness before any inject.
 */
jest.mock('cookie', () => ({
  stringifySetCookie: ({ name, value }: { name: string; value: string }) =>
    `${name}=${encodeURIComponent(value)}`,
}));
