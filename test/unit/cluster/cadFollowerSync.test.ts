import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CadSnapshot } from '../../../src/shared/cad';
import { createSequenceTracker } from '../../../src/main/core/bridge/sequence';
import { createFollowerSync } from '../../../src/main/core/cluster/cadFollowerSync';
import { createDispatchState } from '../../../src/main/core/dispatch/dispatchState';

const unit = (id: string, status: 'available' | 'out_of_service') => ({
  id,
  call_sign: `Medic ${id}`,
  unit_type: null,
  status,
  location: null,
  heading: null,
  speed: null,
  incident_id: null,
  last_report: null
});
const snapshot = (epoch: string, seq: number, status: 'available' | 'out_of_service'): CadSnapshot => ({
  epoch,
  seq,
  units: [unit('U-1', status)],
  incidents: [],
  at: '2026-12-06T10:00:00.000Z'
});

describe('a node that does not hold the CAD link follows the holder\'s picture', () => {
  const setup = () => {
    const dispatch = createDispatchState();
    const tracker = createSequenceTracker();
    let asked = 0;
    const sync = createFollowerSync({ dispatch, tracker, logger: pino({ level: 'silent' }), retryMs: 60_000, ask: () => (asked += 1), onChange: () => undefined });
    return { dispatch, tracker, sync, asked: () => asked };
  };

  it('asks once for the holder\'s picture however many gaps it sees, and takes the answer as its position', () => {
    const { dispatch, tracker, sync, asked } = setup();
    sync.request('node started');
    sync.request('gap at 12');
    expect(asked()).toBe(1);
    expect(sync.active()).toBe(true);
    expect(sync.apply(snapshot('e1', 40, 'available'))).toBe(true);
    expect(sync.active()).toBe(false);
    expect(tracker.position()).toEqual({ epoch: 'e1', seq: 40 });
    expect(dispatch.unit('U-1')?.status).toBe('available');
    expect(sync.count()).toBe(1);
    sync.close();
  });

  it('ignores an unasked-for picture older than its own, and refuses a malformed one', () => {
    const { dispatch, sync } = setup();
    sync.request('node started');
    sync.apply(snapshot('e1', 40, 'out_of_service'));
    expect(sync.apply(snapshot('e1', 30, 'available'))).toBe(true);
    expect(dispatch.unit('U-1')?.status).toBe('out_of_service');
    // A new CAD epoch replaces the picture even unasked (a new holder read a restarted CAD).
    sync.apply(snapshot('e2', 3, 'available'));
    expect(dispatch.unit('U-1')?.status).toBe('available');
    expect(sync.apply({ epoch: 'e3', units: 'nope' })).toBe(false);
    expect(dispatch.unit('U-1')?.status).toBe('available');
    sync.close();
  });
});
