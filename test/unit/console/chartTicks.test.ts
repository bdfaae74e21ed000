import { describe, expect, it } from 'vitest';
import { formatTick } from '../../../src/renderer/src/components/Chart';
import { cappedRate } from '../../../src/renderer/src/features/statistics/StatisticsView';

describe('statistics numbers', () => {
  it('label response times short enough to fit: seconds and minutes, not 265,655.5 ms', () => {
    expect(formatTick(265_655.5, ' ms')).toBe('4.4 min');
    expect(formatTick(4_500, ' ms')).toBe('4.5 s');
    expect(formatTick(850, ' ms')).toBe('850 ms');
    expect(formatTick(12_345_678, '')).toBe('12.3M');
    expect(formatTick(66.66, '%')).toBe('66.7%');
  });

  it('never state a response rate above 100%, however many hospitals answered one request', () => {
    expect(cappedRate(3, 2)).toBe(100);
    expect(cappedRate(1, 2)).toBe(50);
    expect(cappedRate(0, 0)).toBe(0);
  });
});
