import { resolve } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/processes.js';

/** One line per broken rule: which rule, and the import (or the whole cycle) that breaks it. */
const describeViolation = ({ rule, from, to, cycle }: IViolation): string =>
  cycle?.length
    ? `${rule.name}: ${[from, ...cycle.map((step) => step.name)].join(' → ')}`
    : `${rule.name}: ${from} → ${to}`;

describe('layers', () => {
  it('src/ keeps the layer rules of .dependency-cruiser.cjs', async () => {
    const options = await extractDepcruiseOptions(resolve(ROOT, '.dependency-cruiser.cjs'));
    const { output } = await cruise(['src'], { ...options, baseDir: ROOT }, undefined, {
      tsConfig: extractTSConfig(resolve(ROOT, 'tsconfig.json')),
    });
    const { summary } = output as ICruiseResult;
    // A rule set that matched no module would pass without checking anything.
    expect(summary.totalCruised).toBeGreaterThan(300);
    const broken = summary.violations.map(describeViolation);
    expect(broken, `imports that break the layer rules (README, "Layout"):\n  ${broken.join('\n  ')}\n`).toEqual([]);
  });
});
