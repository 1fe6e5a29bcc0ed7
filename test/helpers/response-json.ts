/**
 * A JSON object from the API as the integration tests read it: they are black-box tests that read
 * a response's fields and assert on them at run time, as supertest's own `body: any` lets them.
 * The shapes are the route schemas' business (every response is serialised through them, and
 * test/openapi.test.ts checks the published document); restating them here would be a second copy.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; a test reading a wrong field fails at run time
export type ResponseJson = Record<string, any>;
