/**
 * Import, derive and export speed (issue #3's goal: 100,000 rows, about 20 MB, imported in under
 * 10 s and derived in under 5 s, with /health/live still answering during the import).
 *
 *   npx tsx bench/ingest.ts [rows]      (default 100000)
 *
 * Runs the real app (real Postgres and Redis, a throw-away database) on a loopback port and talks
 * to it over HTTP, as a client would.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime } from '../src/start/runtime.js';
import { throwAwayDatabase } from './support.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;

// Realistic support-ticket-like rows, ~200 bytes each, with some URLs, mentions and duplicates.
const SUBJECTS = [
  'refund for order',
  'app crashes on start',
  'add dark mode',
  'password reset link',
  'invoice is wrong',
  'slow sync',
  'export to CSV',
];
const LABELS = ['billing', 'bug', 'feature', 'account', 'other'];
function row(i: number): string {
  const n = i % 97 === 0 ? i - 1 : i; // ~1 % duplicates
  const subject = SUBJECTS[n % SUBJECTS.length];
  const extra = n % 5 === 0 ? ` see https://help.example.com/t/${n}` : n % 7 === 0 ? ` cc @agent_${n % 13}` : '';
  const text = `Ticket ${n}: ${subject}. Customer writes that the problem started after the last update and asks for help, urgently, with details attached${extra}.`;
  return JSON.stringify(n % 10 === 0 ? { text } : { text, label: LABELS[n % LABELS.length] });
}

async function main() {
  const database = await throwAwayDatabase();

  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    ADMIN_API_KEY: ADMIN,
    QUEUE_PREFIX: `bench-${database.name}`,
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: config.logLevel, name: 'bench' });
  const runtime = await openRuntime(config, logger, 'api');
  const app = await buildApp({ ...runtime, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${ADMIN}` };

  try {
    await fetch(`${base}/v1/tasks`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug: 'bench',
        instructions: 'Route the ticket.',
        labels: LABELS.map((name) => ({ name })),
      }),
    });

    const body = Buffer.from(`${Array.from({ length: ROWS }, (_, i) => row(i)).join('\n')}\n`);
    console.log(`rows: ${ROWS}, file: ${(body.length / 1e6).toFixed(1)} MB`);

    // Probe liveness every 100 ms while the import runs.
    const probes: number[] = [];
    let importing = true;
    const probing = (async () => {
      while (importing) {
        const started = performance.now();
        const live = await fetch(`${base}/health/live`);
        if (live.ok) probes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    let started = performance.now();
    const imported = await fetch(`${base}/v1/tasks/bench/datasets?name=bench`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/jsonl' },
      body,
    });
    const importMs = performance.now() - started;
    importing = false;
    await probing;
    const created = (await imported.json()) as { version: { id: string; row_count: number } };
    if (imported.status !== 201) throw new Error(`import failed: ${imported.status} ${JSON.stringify(created)}`);
    probes.sort((a, b) => a - b);
    console.log(
      `import:  ${(importMs / 1000).toFixed(2)} s (${Math.round(ROWS / (importMs / 1000))} rows/s), goal < 10 s`,
    );
    console.log(
      `  /health/live during import: ${probes.length} answers, p50 ${probes[Math.floor(probes.length / 2)]?.toFixed(1)} ms, max ${probes.at(-1)?.toFixed(1)} ms`,
    );

    started = performance.now();
    const derived = await fetch(`${base}/v1/dataset-versions/${created.version.id}/derive`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        operations: [{ op: 'dedupe' }, { op: 'clean' }, { op: 'split', train: 0.8, validation: 0.1, test: 0.1 }],
      }),
    });
    const deriveMs = performance.now() - started;
    const version = (await derived.json()) as { id: string; row_count: number };
    if (derived.status !== 201) throw new Error(`derive failed: ${derived.status} ${JSON.stringify(version)}`);
    console.log(
      `derive:  ${(deriveMs / 1000).toFixed(2)} s (dedupe + clean + split → ${version.row_count} rows), goal < 5 s`,
    );

    started = performance.now();
    const exported = await fetch(`${base}/v1/dataset-versions/${version.id}/export?format=openai-chat&split=train`, {
      headers,
    });
    const text = await exported.text();
    const exportMs = performance.now() - started;
    console.log(
      `export:  ${(exportMs / 1000).toFixed(2)} s (${text.split('\n').length - 1} chat lines, ${(text.length / 1e6).toFixed(1)} MB)`,
    );
  } finally {
    await app.close();
    for (const phase of runtime.closePhases()) await phase.run();
    await database.drop();
  }
}

await main();
