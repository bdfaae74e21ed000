import { describe, expect, it } from 'vitest';
import { createResumeGate } from '../../../src/main/core/hub/resumeGate';
import type { RoomMessage } from '../../../src/main/core/hub/roomHistory';

const m = (id: number): RoomMessage => ({ id, room: 'unit:U1', event: 'seq', data: { id }, timestamp: '' });

describe('resume gate', () => {
  it('holds live messages until the missed ones are out, then sends each id once, in order', () => {
    const sent: number[] = [];
    const gate = createResumeGate((message) => sent.push(message.id), 10);
    // Live messages arrive while the missed ones are still being read (from Redis, a round trip later).
    gate.deliver(m(13));
    gate.deliver(m(14));
    expect(sent).toEqual([]);
    // The missed ones overlap the held ones: 13 was already in the room's stream when it was read.
    gate.release([m(11), m(12), m(13)]);
    gate.deliver(m(14)); // a reader that lagged hands over one already sent
    gate.deliver(m(15));
    expect(sent).toEqual([11, 12, 13, 14, 15]);
  });

  it('sends nothing at or below the id the client resumed from', () => {
    const sent: number[] = [];
    const gate = createResumeGate((message) => sent.push(message.id), 20);
    gate.release([m(19), m(20), m(21)]);
    gate.deliver(m(21));
    gate.deliver(m(22));
    expect(sent).toEqual([21, 22]);
  });
});
