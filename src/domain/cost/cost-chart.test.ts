import { describe, expect, it } from 'vitest';
import { escapeXml, formatUsd, niceStep, renderCostChart } from './cost-chart.js';
import { projectCosts, type ProjectionOption } from './projection.js';
import { fewShot, fineTuned } from './projection.fixtures.js';

const local: ProjectionOption = {
  name: 'local',
  model: 'local-linear',
  inputTokensPerCall: 50,
  outputTokensPerCall: 1,
  trainingCostUsd: 15,
};

/**
 * Enough of an XML check for generated markup: one root element, every tag closed in order, no
 * stray `<` or `&` in text, attributes quoted. Throws on the first problem.
 */
function checkWellFormed(xml: string): void {
  const body = xml.trim();
  if (!body.startsWith('<svg')) throw new Error('does not start with <svg');
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  const stack: string[] = [];
  let roots = 0;
  let at = 0;
  while (at < body.length) {
    if (body[at] === '<') {
      tag.lastIndex = at;
      const match = tag.exec(body);
      if (!match) throw new Error(`bad tag at ${at}: ${body.slice(at, at + 40)}`);
      const [whole, closing, name, , selfClosing] = match;
      if (closing) {
        if (stack.pop() !== name) throw new Error(`unbalanced </${name}> at ${at}`);
      } else {
        if (stack.length === 0) roots++;
        if (!selfClosing) stack.push(name!);
      }
      at += whole.length;
      continue;
    }
    const next = body.indexOf('<', at);
    const text = body.slice(at, next === -1 ? body.length : next);
    if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root element');
    if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`unescaped & in ${text}`);
    at = next === -1 ? body.length : next;
  }
  if (stack.length > 0) throw new Error(`unclosed ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

const attribute = (element: string, name: string): string =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1] ?? '';

describe('renderCostChart', () => {
  const projection = projectCosts({
    dailyVolume: 10_000,
    dailyGrowth: 0.01,
    horizonDays: 120,
    options: [fewShot, fineTuned, local],
  });
  const svg = renderCostChart(projection);

  it('is one well-formed SVG 1.1 document', () => {
    expect(() => checkWellFormed(svg)).not.toThrow();
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" version="1\.1" width="800" height="420" viewBox="0 0 800 420"/,
    );
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('the checker catches broken markup', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormed('<svg></svg><svg></svg>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a < b</text></svg>')).toThrow();
  });

  it('draws one polyline per option, in distinct colours, inside the viewBox', () => {
    const polylines = svg.match(/<polyline[^>]*>/g) ?? [];
    expect(polylines).toHaveLength(3);
    expect(new Set(polylines.map((line) => attribute(line, 'stroke'))).size).toBe(3);
    const [, , width, height] = attribute(svg, 'viewBox').split(' ').map(Number);
    for (const line of polylines) {
      const points = attribute(line, 'points').split(' ');
      expect(points).toHaveLength(120);
      for (const point of points) {
        const [px, py] = point.split(',').map(Number);
        expect(px).toBeGreaterThanOrEqual(0);
        expect(px).toBeLessThanOrEqual(width!);
        expect(py).toBeGreaterThanOrEqual(0);
        expect(py).toBeLessThanOrEqual(height!);
      }
    }
  });

  it('marks every crossing with its break-even day', () => {
    const crossings = projection.break_even.filter((pair) => pair.day !== null);
    expect(crossings.length).toBeGreaterThan(0);
    expect(svg.match(/<circle[^>]*>/g) ?? []).toHaveLength(crossings.length);
    for (const pair of crossings) expect(svg).toContain(`break-even day ${pair.day}<`);
    const [, , width, height] = attribute(svg, 'viewBox').split(' ').map(Number);
    for (const circle of svg.match(/<circle[^>]*>/g) ?? []) {
      expect(Number(attribute(circle, 'cx'))).toBeLessThanOrEqual(width!);
      expect(Number(attribute(circle, 'cy'))).toBeLessThanOrEqual(height!);
    }
  });

  it('labels the y axis with rounded dollar amounts', () => {
    const labels = [...svg.matchAll(/text-anchor="end">(\$[^<]*)</g)].map((match) => match[1]);
    // The local model reaches 15 USD; the API options about 43 and 53 USD → steps of 20 to 60.
    expect(labels).toEqual(['$0', '$20', '$40', '$60']);
  });

  it('escapes names and titles that come from users', () => {
    const hostile = projectCosts({
      dailyVolume: 100,
      dailyGrowth: 0,
      horizonDays: 10,
      options: [
        { ...fewShot, name: '<script>&"x"' },
        { ...local, name: "o'brien\u0000" },
      ],
    });
    const out = renderCostChart(hostile, { title: 'A < B & "C"' });
    expect(() => checkWellFormed(out)).not.toThrow();
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;&amp;&quot;x&quot;');
    expect(out).toContain('o&apos;brien\uFFFD');
    expect(out).toContain('<title>A &lt; B &amp; &quot;C&quot;</title>');
  });

  it('is deterministic and honours the size', () => {
    expect(renderCostChart(projection)).toBe(svg);
    const small = renderCostChart(projection, { width: 500, height: 300 });
    expect(small).toContain('viewBox="0 0 500 300"');
    expect(() => checkWellFormed(small)).not.toThrow();
  });

  it('copes with one day, free models and many options', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ...local, name: `local ${i}`, trainingCostUsd: 0 }));
    const out = renderCostChart(projectCosts({ dailyVolume: 5, dailyGrowth: 0, horizonDays: 1, options: many }));
    expect(() => checkWellFormed(out)).not.toThrow();
    expect(out.match(/<polyline/g)).toHaveLength(30);
    // The legend needs 30 rows, so the picture grows taller than the default 420.
    expect(Number(attribute(out, 'height'))).toBeGreaterThan(420);
    expect(out).not.toContain('NaN');
  });
});

describe('chart helpers', () => {
  it('rounds steps to 1, 2 or 5 times a power of ten', () => {
    expect([0.013, 0.3, 1, 1.5, 4, 7, 130].map(niceStep)).toEqual([0.02, 0.5, 1, 2, 5, 10, 200]);
  });

  it('formats dollars with the decimals the step needs', () => {
    expect(formatUsd(1234.5, 500)).toBe('$1,235');
    expect(formatUsd(0.05, 0.05)).toBe('$0.05');
    expect(formatUsd(1_000_000, 200_000)).toBe('$1,000,000');
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
