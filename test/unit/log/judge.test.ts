import { describe, expect, it } from 'vitest';
import { LogThresholdsSchema } from '../../../src/main/core/log/config';
import { judge } from '../../../src/main/core/log/read/monitor';
import { summarize, type Combo } from '../../../src/main/core/log/read/statistics';

const combo = (event_type: string, status: string, count: number, rt?: number): Combo => ({
  event_type,
  status,
  user_role: 'patient',
  count,
  rt_sum: rt ? rt * count : 0,
  rt_count: rt ? count : 0
});
const range = { from: 0, to: 60_000 };
const t = LogThresholdsSchema.parse({});

describe('threshold judgement', () => {
  it('uses the seed thresholds by default: response rate < 80%, average response > 30 s, error rate > 10%', () => {
    const window = summarize([combo('ambulance_request', 'success', 10, 31_000), combo('hospital_response', 'success', 7), combo('update_location', 'failed', 3)], range);
    expect(window).toMatchObject({ response_rate: 70, error_rate: 15, avg_response_time_ms: 31_000 });
    const verdicts = Object.fromEntries(judge(window, summarize([], range), t).map((v) => [v.key, v.breached]));
    expect(verdicts).toEqual({
      'log_threshold:response_rate': true,
      'log_threshold:response_time': true,
      'log_threshold:error_rate': true,
      'log_threshold:failed_connections': false
    });
  });

  it('does not alarm on a handful of events, and counts failed connections as a burst', () => {
    const tiny = summarize([combo('ambulance_request', 'failed', 1)], range);
    expect(judge(tiny, tiny, t).some((v) => v.breached)).toBe(false);
    const burst = summarize([combo('connect', 'failed', 25), combo('connect', 'success', 100)], range);
    expect(burst.failed_connections).toBe(25);
    expect(judge(summarize([], range), burst, t).find((v) => v.key === 'log_threshold:failed_connections')!.breached).toBe(true);
  });
});
