import { describe, expect, it } from 'vitest';
import {
  dayOf,
  daysUntil,
  isPast,
  listedBaseShutdownDateOf,
  listedShutdownDateOf,
  shutdownDateIn,
} from '../../domain/model-lifecycle.js';
import { OPENAI_LIFECYCLE } from './openai-model-lifecycle.js';

const shutdownDateOf = (model: string) => shutdownDateIn(OPENAI_LIFECYCLE, model);
const shutDownBy = (model: string, today: string) => {
  const date = shutdownDateOf(model);
  return isPast(date, today) ? date : undefined;
};

describe('shutdownDateOf', () => {
  it.each([
    ['babbage-002', '2026-09-28'],
    ['davinci-002', '2026-09-28'],
    ['gpt-3.5-turbo-instruct', '2026-09-28'],
    ['gpt-3.5-turbo-1106', '2026-09-28'],
    ['gpt-3.5-turbo', '2026-10-23'],
    ['gpt-3.5-turbo-0125', '2026-10-23'],
    ['gpt-4o-mini', '2027-01-14'],
    ['gpt-4o-mini-2024-07-18', '2027-01-14'],
    ['gpt-4o', '2027-01-14'],
    ['gpt-4o-2024-08-06', '2027-01-14'],
    ['gpt-4.1', '2027-01-14'],
    ['gpt-4.1-2025-04-14', '2027-01-14'],
    ['gpt-4.1-mini-2025-04-14', '2027-01-14'],
    [' GPT-3.5-Turbo ', '2026-10-23'],
  ])('dates %s to %s', (model, date) => {
    expect(shutdownDateOf(model)).toBe(date);
  });

  it.each([
    ['ft:babbage-002:org:legacy:abc', '2026-10-23'],
    ['ft:davinci-002:org::abc', '2026-10-23'],
    ['ft:gpt-3.5-turbo-0125:org:titles:abc', '2026-10-23'],
    ['ft:gpt-3.5-turbo-1106:org::abc', '2026-10-23'],
    ['ft:gpt-4o-mini-2024-07-18:org:titles:abc', '2027-01-14'],
    ['ft:gpt-4.1-mini-2025-04-14:org::abc', '2027-01-14'],
    ['ft:gpt-3.5-turbo-instruct:org::abc', '2026-09-28'],
  ])('dates the fine-tune %s with its base (%s)', (model, date) => {
    expect(shutdownDateOf(model)).toBe(date);
  });

  it.each([
    'gpt-4.1-nano',
    'gpt-4.1-nano-2025-04-14',
    'ft:gpt-4.1-nano-2025-04-14:org::abc',
    'o4-mini',
    'local-linear',
    'few-shot-tfidf',
    'local:gpt-3.5-turbo',
    'constructor',
    'ft:',
    '',
  ])('knows no date for %j', (model) => {
    expect(shutdownDateOf(model)).toBeUndefined();
  });
});

describe('shutDownBy', () => {
  it('is the date from the shutdown day on, and nothing the day before', () => {
    expect(shutDownBy('gpt-3.5-turbo', '2026-10-22')).toBeUndefined();
    expect(shutDownBy('gpt-3.5-turbo', '2026-10-23')).toBe('2026-10-23');
    expect(shutDownBy('gpt-3.5-turbo', '2026-12-01')).toBe('2026-10-23');
    expect(shutDownBy('gpt-4o-mini', '2026-12-01')).toBeUndefined();
    expect(shutDownBy('gpt-4o-mini', '2027-01-14')).toBe('2027-01-14');
    expect(shutDownBy('gpt-4.1-nano', '2099-01-01')).toBeUndefined();
  });

  it('counts whole days to a date', () => {
    expect(daysUntil('2027-01-14', '2027-01-02')).toBe(12);
    expect(daysUntil('2027-01-14', '2026-12-20')).toBe(25);
    expect(daysUntil('2026-10-23', '2026-12-01')).toBeLessThan(0);
  });

  it('reads a fine-tune the list does not show by its base', () => {
    const listed = new Map([
      ['gpt-4o-mini-2024-07-18', '2027-01-14'],
      ['gpt-4.1-nano', null],
    ]);
    expect(listedShutdownDateOf(listed, 'ft:gpt-4o-mini-2024-07-18:org::abc')).toBeUndefined();
    expect(listedBaseShutdownDateOf(listed, 'ft:gpt-4o-mini-2024-07-18:org::abc')).toBe('2027-01-14');
    expect(listedShutdownDateOf(listed, 'gpt-4o-mini-2024-07-18')).toBe('2027-01-14');
    expect(listedShutdownDateOf(listed, 'gpt-4.1-nano')).toBeUndefined();
    expect(listedShutdownDateOf(listed, 'unknown')).toBeUndefined();
  });

  it('reads today in UTC', () => {
    expect(dayOf(new Date('2026-10-22T23:59:59.999Z'))).toBe('2026-10-22');
    expect(dayOf(new Date('2026-10-23T00:00:00-02:00'))).toBe('2026-10-23');
  });
});
