/**
 * The layer rules of src/ (README, "Layout"), checked by test/layers.test.ts. Dependencies point
 * down: start → api / workers → services → queues / db / providers → domain; lib and errors.ts are
 * leaves everything may use. Type-only imports count: a type is a dependency too.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const outside = (...folders) => `^src/(?!(${folders.join('|')})/)`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Two modules that import each other cannot be understood, tested or moved apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ is pure logic and the vocabulary: it imports nothing else in src/ but the error catalogue.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: outside('domain'), pathNot: '^src/errors\\.ts$' },
    },
    {
      name: 'errors-is-a-leaf',
      comment: 'The error catalogue (src/errors.ts) is shared by every layer, so it imports none.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'lib-is-a-leaf',
      comment: 'lib/ holds leaf utilities (Redis, logger, metrics, shutdown, ...): it imports nothing else in src/.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: outside('lib') },
    },
    {
      name: 'config-reads-domain-and-lib',
      comment: 'Configuration is parsed before anything is built: it may use the vocabulary and leaf utilities only.',
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: outside('domain', 'lib') },
    },
    {
      name: 'only-start-imports-start',
      comment: 'start/ holds the entry points and the wiring: nothing in src/ outside it imports it.',
      severity: 'error',
      from: { pathNot: '^src/start/' },
      to: { path: '^src/start/' },
    },
    {
      name: 'entry-points-live-in-start',
      comment:
        'A module that runs as a process (isEntryPoint, runMain) is an entry point, and entry points live in start/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(start|lib)/' },
      to: { path: '^src/lib/entry-point\\.ts$' },
    },
    {
      name: 'api-calls-services',
      comment:
        'The API validates, calls one service and shapes the response: no workers, no wiring, no SQL. From db/ it reads the schema (record types, status enums) ' +
        'and, in its error handler, whether an error means Postgres is unreachable (a 503).',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(workers|start)/|^src/db/(?!schema/|pg-errors\\.ts$)' },
    },
    {
      name: 'api-asks-the-provider-registry',
      comment: 'The API names providers only through the registry (its enums); provider code stays behind services.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/providers/', pathNot: '^src/providers/registry\\.ts$' },
    },
    {
      name: 'workers-run-services',
      comment: 'A processor hands its job to a service: workers reach no HTTP code, no SQL and no provider directly.',
      severity: 'error',
      from: { path: '^src/workers/' },
      to: { path: '^src/(api|start|db|providers)/' },
    },
    {
      name: 'services-sit-below-api-and-workers',
      comment:
        'Services are shared by both entry points, so they import neither the API, nor the workers, nor the wiring.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(api|workers|start)/' },
    },
    {
      name: 'queues-are-shared',
      comment:
        'The queue registry is shared by producers (services) and consumers (workers): it imports only the vocabulary and leaves.',
      severity: 'error',
      from: { path: '^src/queues/' },
      to: { path: outside('queues', 'domain', 'lib'), pathNot: '^src/errors\\.ts$' },
    },
    {
      name: 'db-below-services',
      comment:
        'Repositories own SQL over the schema; they know the vocabulary, never the services or providers above them.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: outside('db', 'domain', 'lib'), pathNot: '^src/(errors|config)\\.ts$' },
    },
    {
      name: 'providers-below-services',
      comment:
        'Providers are plug-ins behind one interface: they know the vocabulary and their configuration, nothing above.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: outside('providers', 'domain', 'lib'), pathNot: '^src/(errors|config)\\.ts$' },
    },
    {
      name: 'src-stands-alone',
      comment: 'Production code never imports tests, fakes, scripts or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (`import type` would otherwise be invisible).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
