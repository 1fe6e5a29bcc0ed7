/** How figures read across the console: the same rounding everywhere. */
export const percent = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)} %`;

export const decimal = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined ? '—' : value.toFixed(digits);

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : value.toLocaleString('en-US');

export const usd = (value: number | null | undefined): string => {
  if (value === null || value === undefined) return '—';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
};

export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—';

// Ids are UUIDv7: their first characters are a timestamp, the same for everything made in one
// minute, so the short form is the random end.
export const shortId = (id: string | null | undefined): string => (id ? id.slice(-8) : '—');

/** Seconds as the largest sensible unit: "42 s", "3 min", "1.5 h". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
