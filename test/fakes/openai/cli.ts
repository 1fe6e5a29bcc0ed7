/**
 * Runs the OpenAI fake in its own process and prints its base URL on the first stdout line:
 *
 *   npx tsx test/fakes/openai/cli.ts --port 8089 --rpm 600 --tpm 40000 --latency-ms 50
 *
 * Drive it from elsewhere with the /_fake/* control API (configure, script, stats, reset).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isSerializableScript } from '../shared/scripting.js';
import type { FakeOptions } from './options.js';
import { startOpenAIFake } from './server.js';

const USAGE = `Usage: tsx test/fakes/openai/cli.ts [options]
  --host <ip>                 listen address (127.0.0.1)
  --port <n>                  port (0 = any free port)
  --rpm <n> / --tpm <n>       requests / tokens per minute per model (unlimited)
  --shared-limits             one rate-limit budget for all models
  --latency-ms <n>            added latency per OpenAI request
  --latency-jitter-ms <n>     random extra latency, 0..n
  --error-rate <0..1>         share of requests answered 500 server_error
  --job-timing <v,q,r>        fine-tuning validating,queued,running durations in ms (50,50,200)
  --file-processing-ms <n>    delay before an upload is 'processed' (0)
  --retired <a,b>             models answering 404 model_not_found
  --organization <org-id>     organization id (org-fake)
  --seed <n>                  seed for fault dice and loss curves
  --script <file.json>        answer script: {table, default} or {rules, default}
  --config <file.json>        any FakeOptions as JSON (applied first)
  --help`;

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    rpm: { type: 'string' },
    tpm: { type: 'string' },
    'shared-limits': { type: 'boolean' },
    'latency-ms': { type: 'string' },
    'latency-jitter-ms': { type: 'string' },
    'error-rate': { type: 'string' },
    'job-timing': { type: 'string' },
    'file-processing-ms': { type: 'string' },
    retired: { type: 'string' },
    organization: { type: 'string' },
    seed: { type: 'string' },
    script: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const problems: string[] = [];
const number = (flag: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) problems.push(`--${flag} must be a non-negative number, got ${raw}`);
  return value;
};
const json = (flag: string, path: string | undefined): unknown => {
  if (path === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`--${flag}: cannot read ${path}: ${(error as Error).message}`);
    return undefined;
  }
};

const config = (json('config', values.config) ?? {}) as FakeOptions;
const timing = values['job-timing']?.split(',').map((part) => number('job-timing', part));
if (timing && timing.length !== 3)
  problems.push('--job-timing takes three comma-separated numbers: validating,queued,running');
const script = json('script', values.script);
if (script !== undefined && !isSerializableScript(script))
  problems.push('--script must hold {table, default?} or {rules, default}');

const options: FakeOptions = {
  ...config,
  host: values.host ?? config.host ?? '127.0.0.1',
  port: number('port', values.port) ?? config.port ?? 0,
  organization: values.organization ?? config.organization,
  seed: number('seed', values.seed) ?? config.seed,
  fileProcessingMs: number('file-processing-ms', values['file-processing-ms']) ?? config.fileProcessingMs,
  rateLimits: {
    ...config.rateLimits,
    ...(values.rpm !== undefined ? { rpm: number('rpm', values.rpm) } : {}),
    ...(values.tpm !== undefined ? { tpm: number('tpm', values.tpm) } : {}),
    ...(values['shared-limits'] ? { scope: 'shared' as const } : {}),
  },
  faults: {
    ...config.faults,
    ...(values['latency-ms'] !== undefined ? { latencyMs: number('latency-ms', values['latency-ms']) } : {}),
    ...(values['latency-jitter-ms'] !== undefined
      ? { latencyJitterMs: number('latency-jitter-ms', values['latency-jitter-ms']) }
      : {}),
    ...(values['error-rate'] !== undefined ? { errorRate: number('error-rate', values['error-rate']) } : {}),
    ...(values.retired ? { retiredModels: values.retired.split(',').map((model) => model.trim()) } : {}),
  },
  ...(timing && timing.length === 3
    ? { jobTiming: { validatingMs: timing[0] ?? 50, queuedMs: timing[1] ?? 50, runningMs: timing[2] ?? 200 } }
    : {}),
  ...(script !== undefined && isSerializableScript(script) ? { script } : {}),
};

if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n\n${USAGE}\n`);
  process.exit(2);
}

const fake = await startOpenAIFake(options);
process.stdout.write(`${fake.url}\n`);
process.stderr.write(`OpenAI fake listening on ${fake.url} (control API: ${fake.url.replace(/\/v1$/, '/_fake')})\n`);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) process.exit(1);
  closing = true;
  process.stderr.write(`OpenAI fake: ${signal}, closing\n`);
  const timer = setTimeout(() => process.exit(1), 5_000);
  timer.unref();
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
