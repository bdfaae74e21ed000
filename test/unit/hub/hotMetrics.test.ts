import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../../src/main/core/metrics/hotMetrics';

const samplesOf = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

describe('hot-path metrics', () => {
  it("expose exactly what prom-client's own counter and histogram expose for the same events", async () => {
    const hot = new Registry();
    const reference = new Registry();
    const hotIn = new HotCounter(hot, { name: 'events_total', help: 'h', labelNames: ['event', 'transport'] });
    const refIn = new Counter({ name: 'events_total', help: 'h', labelNames: ['event', 'transport'], registers: [reference] });
    const hotAck = new HotHistogram(hot, { name: 'ack_seconds', help: 'h' });
    const refAck = new Histogram({ name: 'ack_seconds', help: 'h', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [reference] });

    const events: Array<[string, string, number]> = [
      ['update_location', 'socketio', 0.0004],
      ['update_location', 'websocket', 0.003],
      ['vitals', 'socketio', 0.0005],
      ['update_location', 'socketio', 7]
    ];
    const scrapeBoth = async () => [await hot.metrics(), await reference.metrics()];
    for (const [event, transport, seconds] of events) {
      hotIn.child(event, transport).inc();
      refIn.inc({ event, transport });
      hotAck.record(seconds);
      refAck.observe(seconds);
    }
    let [hotText, refText] = await scrapeBoth();
    expect(samplesOf(hotText!)).toEqual(samplesOf(refText!));

    // A second scrape after more events: counts go on from where they were, not twice.
    hotIn.child('vitals', 'socketio').inc(5);
    refIn.inc({ event: 'vitals', transport: 'socketio' }, 5);
    [hotText, refText] = await scrapeBoth();
    expect(samplesOf(hotText!)).toEqual(samplesOf(refText!));
    expect(hotText).toContain('events_total{event="vitals",transport="socketio"} 6');
    expect(hotIn.total()).toBe(9);
    expect(hotIn.series).toBe(3);
  });

  it('hands out one child per label combination, so callers can cache it', () => {
    const counter = new HotCounter(new Registry(), { name: 'refused_total', help: 'h', labelNames: ['code'] });
    expect(counter.child('RATE_LIMITED')).toBe(counter.child('RATE_LIMITED'));
    expect(counter.child('RATE_LIMITED')).not.toBe(counter.child('VALIDATION_FAILED'));
    expect(() => new HotCounter(new Registry(), { name: 'x_total', help: 'h', labelNames: ['a', 'b', 'c'] })).toThrow(/at most two labels/);
  });
});
