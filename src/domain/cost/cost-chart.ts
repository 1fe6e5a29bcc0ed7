/**
 * A cost projection as a standalone SVG 1.1 line chart of cumulative cost per option, with a
 * marker where two options break even. Built by string concatenation so it needs no DOM and the
 * same projection always gives byte-identical output (cacheable, diffable in tests).
 */
import type { CostProjection } from './projection.js';

export interface CostChartOptions {
  width?: number;
  height?: number;
  title?: string;
}

const DEFAULT_WIDTH = 800;
const DEFAULT_HEIGHT = 420;
const MARGIN = { top: 44, right: 190, bottom: 50, left: 84 };
const LEGEND_ROW = 18;
/** Legend names longer than this are cut; the full name stays in the entry's tooltip. */
const LEGEND_CHARS = 20;

// Tableau 10: distinct on screen and for most colour-blind readers. Past ten options the colours
// repeat with a dash pattern so every line stays distinguishable.
const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const DASHES = ['', '8 4', '2 3', '10 3 2 3'];

// XML 1.0 forbids most control characters and lone surrogates even when escaped, and names come
// from users, so those become U+FFFD rather than breaking the document.
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export const escapeXml = (text: string): string =>
  text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (char) => ENTITIES[char]!);

/** Two decimals are sub-pixel at any sensible size and keep the output short. */
const coord = (value: number): string => String(Math.round(value * 100) / 100);

const dimension = (value: number | undefined, fallback: number, min: number): number =>
  value !== undefined && Number.isFinite(value) ? Math.min(Math.max(Math.round(value), min), 4000) : fallback;

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`: steps people read at a glance. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** `$1,234.50`-style label with as many decimals as the step needs and no more. */
export function formatUsd(value: number, step: number): string {
  const decimals = Math.min(Math.max(0, -Math.floor(Math.log10(step))), 12);
  const [whole = '', fraction] = value.toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `$${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

export function renderCostChart(projection: CostProjection, options: CostChartOptions = {}): string {
  const width = dimension(options.width, DEFAULT_WIDTH, MARGIN.left + MARGIN.right + 100);
  const series = projection.options;
  // A long legend makes the picture taller rather than running off the bottom.
  const legendHeight = MARGIN.top + 8 + series.length * LEGEND_ROW;
  const height = Math.max(dimension(options.height, DEFAULT_HEIGHT, MARGIN.top + MARGIN.bottom + 100), legendHeight);
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;

  const lastDay = Math.max(projection.days - 1, 1);
  const highest = series.reduce((max, option) => option.cumulative_usd.reduce((m, usd) => Math.max(m, usd), max), 0);
  const yStep = niceStep((highest > 0 ? highest : 1) / 5);
  const yMax = Math.max(1, Math.ceil(highest / yStep)) * yStep;
  const x = (day: number) => left + (day / lastDay) * (right - left);
  const y = (usd: number) => bottom - (usd / yMax) * (bottom - top);

  const title = options.title ?? `Cumulative cost over ${projection.days} day${projection.days === 1 ? '' : 's'}`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${coord((left + right) / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];

  // Ticks are integer multiples of the step; adding the step repeatedly would drift (0.1 + 0.2).
  for (let i = 0; i * yStep <= yMax * (1 + 1e-9); i++) {
    const py = coord(y(i * yStep));
    out.push(`<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${py}" dy="4" text-anchor="end">${formatUsd(i * yStep, yStep)}</text>`);
  }
  const xStep = Math.max(1, niceStep(lastDay / 8));
  for (let i = 0; i * xStep <= lastDay; i++) {
    const px = coord(x(i * xStep));
    out.push(`<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#333333"/>`);
    out.push(`<text x="${px}" y="${bottom + 18}" text-anchor="middle">${i * xStep}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333333"/>`);
  out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333333"/>`);
  out.push(`<text x="${coord((left + right) / 2)}" y="${height - 10}" text-anchor="middle">day</text>`);
  out.push(
    `<text transform="rotate(-90)" x="${coord(-(top + bottom) / 2)}" y="16" text-anchor="middle">cumulative cost (USD)</text>`,
  );

  series.forEach((option, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const dash = DASHES[Math.floor(i / COLOURS.length) % DASHES.length]!;
    const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    const points = option.cumulative_usd.map((usd, day) => `${coord(x(day))},${coord(y(usd))}`).join(' ');
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashAttribute} points="${points}"><title>${escapeXml(option.name)}</title></polyline>`,
    );
    const rowY = top + 8 + i * LEGEND_ROW;
    out.push(
      `<g><title>${escapeXml(`${option.name} (${option.model})`)}</title>` +
        `<line x1="${right + 12}" y1="${rowY}" x2="${right + 32}" y2="${rowY}" stroke="${colour}" stroke-width="2"${dashAttribute}/>` +
        `<text x="${right + 38}" y="${rowY}" dy="4">${escapeXml(truncate(option.name, LEGEND_CHARS))}</text></g>`,
    );
  });

  for (const pair of projection.break_even) {
    if (pair.day === null || pair.crossing_day === null || pair.crossing_cumulative_usd === null) continue;
    const cx = x(pair.crossing_day);
    const cy = y(pair.crossing_cumulative_usd);
    // Keep the label inside the plot: flip it left near the right edge, below near the top.
    const nearRight = cx > right - 120;
    const labelX = coord(nearRight ? cx - 7 : cx + 7);
    const labelY = coord(cy - 8 < top + 12 ? cy + 18 : cy - 8);
    out.push(
      `<g><title>${escapeXml(`${pair.a} and ${pair.b} break even on day ${pair.day}`)}</title>` +
        `<circle cx="${coord(cx)}" cy="${coord(cy)}" r="4" fill="#ffffff" stroke="#333333" stroke-width="1.5"/>` +
        `<text x="${labelX}" y="${labelY}" text-anchor="${nearRight ? 'end' : 'start'}" font-size="11">break-even day ${pair.day}</text></g>`,
    );
  }

  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
