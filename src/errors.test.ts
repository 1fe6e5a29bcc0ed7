import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errors } from './errors.js';

const root = join(import.meta.dirname, '..');

/** The README's table of codes, as the catalogue says it should read. */
const catalogueTable = () =>
  [
    '| Code | Status | Meaning |',
    '| --- | --- | --- |',
    ...Object.entries(ERROR_CATALOGUE).map(([code, { status, summary }]) => `| \`${code}\` | ${status} | ${summary} |`),
  ].join('\n');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });

describe('the error catalogue', () => {
  it('is the table of codes in the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const errorsSection = readme.slice(readme.indexOf('### Errors'));
    const table = errorsSection.slice(errorsSection.indexOf('| Code |')).split('\n\n')[0]!.trim();
    // On failure, paste the expected table into the README's "Errors" section.
    expect(table).toBe(catalogueTable());
  });

  it('gives every builder its code’s status', () => {
    const built = [
      errors.validation('x', []),
      errors.notFound('task', 'a'),
      errors.referenceNotFound('x', 'fk'),
      errors.pipelineNotFailed('p', 'running'),
      errors.noModelAvailable('x', {}, 3),
      errors.idempotencyKeyReused(),
      errors.rateLimited('x', {}),
      errors.unknownFormat(),
      errors.internal(),
    ];
    for (const error of built) expect(error.statusCode, error.code).toBe(ERROR_CATALOGUE[error.code].status);
  });

  it('is where every AppError in src is made', () => {
    const inline = sourceFiles(join(root, 'src'))
      .filter((path) => !path.endsWith(join('src', 'errors.ts')))
      .filter((path) => readFileSync(path, 'utf8').includes('new AppError('));
    expect(inline).toEqual([]);
  });
});
