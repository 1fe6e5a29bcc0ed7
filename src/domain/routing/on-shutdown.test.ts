import { describe, expect, it } from 'vitest';
import { retrainDue, retrainKey, retrainReason } from './on-shutdown.js';

const policy = { retrainWith: { provider: 'trainer', baseModel: 'base-1' }, daysBefore: 14 };

describe('retrainDue', () => {
  it('is due from daysBefore days ahead of the shutdown on, and after it', () => {
    expect(retrainDue(policy, '2027-01-14', '2026-12-20')).toEqual({ due: false, daysLeft: 25 });
    expect(retrainDue(policy, '2027-01-14', '2026-12-30')).toEqual({ due: false, daysLeft: 15 });
    expect(retrainDue(policy, '2027-01-14', '2026-12-31')).toEqual({ due: true, daysLeft: 14 });
    expect(retrainDue(policy, '2027-01-14', '2027-01-02')).toEqual({ due: true, daysLeft: 12 });
    expect(retrainDue(policy, '2027-01-14', '2027-01-20')).toEqual({ due: true, daysLeft: -6 });
  });
});

describe('retrain bookkeeping', () => {
  it('keys one retrain per task and shutdown date, and says why', () => {
    expect(retrainKey('t1', '2027-01-14')).toBe(retrainKey('t1', '2027-01-14'));
    expect(retrainKey('t1', '2027-01-14')).not.toBe(retrainKey('t1', '2027-02-01'));
    const origin = {
      trigger: 'on_shutdown' as const,
      championId: 'm1',
      championModel: 'ft:base:org::x',
      shutdownDate: '2027-01-14',
      shutdownSource: 'table' as const,
      daysBefore: 14,
    };
    expect(retrainReason(origin, policy)).toBe(
      'champion ft:base:org::x shuts down 2027-01-14 (within 14 days); retraining on trainer/base-1',
    );
  });
});
