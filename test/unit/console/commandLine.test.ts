import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/contract/alerts';
import { complete, parseCommand, type Picture } from '../../../src/renderer/src/features/dispatch/commands';
import type { IncidentView, UnitView } from '../../../src/renderer/src/stores/dispatchModel';

const unit = (id: string, callsign: string, status: UnitView['status'] = 'available', cad = true): UnitView => ({
  id,
  callsign,
  status,
  lat: 47.6,
  lon: -122.33,
  heading: 0,
  statusSince: 0,
  updatedAt: 0,
  incidentId: null,
  cad,
  unitType: callsign.startsWith('Medic') ? 'ALS' : 'BLS'
});
const incident = (id: string, priority: number, status = 'pending'): IncidentView => ({
  id,
  priority,
  type: 'Chest Pain',
  address: '5109 Broadway, Seattle',
  lat: 47.6,
  lon: -122.33,
  status,
  createdAt: 0,
  statusSince: 0,
  units: [],
  times: {}
});
const alert = (id: string, severity: Alert['severity'], raised: string): Alert => ({
  id,
  key: id,
  kind: 'vitals',
  severity,
  title: `Alert ${id}`,
  message: 'm',
  source: 's',
  patient_id: null,
  hospital_id: null,
  data: {},
  raised_at: raised,
  updated_at: raised,
  deadline_at: null,
  escalated: false,
  cleared_at: null,
  acknowledged_at: null,
  acknowledged_by: null,
  delivered_at: null,
  displayed_at: null,
  escalated_at: null,
  receipts: []
});

const picture: Picture = {
  units: new Map([
    ['U-014', unit('U-014', 'Medic 14')],
    ['U-003', unit('U-003', 'Aid 3')],
    ['U-007', unit('U-007', 'Medic 7', 'enroute')],
    ['M1', unit('M1', 'M1', 'available', false)]
  ]),
  incidents: new Map([
    ['INC-000017', incident('INC-000017', 1)],
    ['INC-000002', incident('INC-000002', 3, 'on_scene')]
  ]),
  alerts: [alert('aaaa1111', 'warning', '2026-01-01T10:00:00Z'), alert('bbbb2222', 'critical', '2026-01-01T10:05:00Z')]
};

describe('the dispatch command line', () => {
  it('assigns a unit named the way a dispatcher types it to an incident named by its number', () => {
    for (const text of ['A m14 17', 'assign Medic 14 INC-000017', 'a medic14 #17', 'A U-014 inc-000017']) {
      const parsed = parseCommand(text, picture);
      expect(parsed.ok && parsed.command.verb === 'assign' && [parsed.command.unit.id, parsed.command.incident.id]).toEqual(['U-014', 'INC-000017']);
    }
  });

  it('refuses a busy unit, a hub-only crew and an unknown incident with a sentence saying why', () => {
    expect(parseCommand('A m7 17', picture)).toEqual({ ok: false, error: 'Medic 7 is not available (enroute).' });
    expect(parseCommand('A M1 17', picture)).toMatchObject({ ok: false, error: expect.stringContaining('not a CAD unit') });
    expect(parseCommand('A m14 99', picture)).toMatchObject({ ok: false, error: expect.stringContaining('No open incident “99”') });
    expect(parseCommand('X m14', picture)).toMatchObject({ ok: false, error: expect.stringContaining('Unknown command') });
  });

  it('sets a unit status from its full or short name', () => {
    expect(parseCommand('S a3 oos', picture)).toMatchObject({ ok: true, command: { verb: 'status', status: 'out_of_service', unit: { id: 'U-003' } } });
    expect(parseCommand('status Aid 3 on scene', picture)).toMatchObject({ ok: true, command: { status: 'on_scene' } });
    expect(parseCommand('S a3 lunch', picture)).toMatchObject({ ok: false });
  });

  it('acknowledges the oldest critical alert first, or one named by its id', () => {
    expect(parseCommand('ACK', picture)).toMatchObject({ ok: true, command: { verb: 'ack', alert: { id: 'bbbb2222' } } });
    expect(parseCommand('ack aaaa', picture)).toMatchObject({ ok: true, command: { alert: { id: 'aaaa1111' } } });
  });

  it('finds units, incidents and addresses, and parses new calls and notes', () => {
    expect(parseCommand('F medic 14', picture)).toMatchObject({ ok: true, command: { target: { kind: 'unit', id: 'U-014' } } });
    expect(parseCommand('F broadway', picture)).toMatchObject({ ok: true, command: { target: { kind: 'incident' } } });
    expect(parseCommand('NEW 2 Fall / 12 Pine St', picture)).toEqual({ ok: true, command: { verb: 'new', priority: 2, type: 'Fall', address: '12 Pine St' } });
    expect(parseCommand('NOTE 17 patient on the 3rd floor', picture)).toMatchObject({ ok: true, command: { verb: 'note', text: 'patient on the 3rd floor' } });
    expect(parseCommand('CANCEL 2', picture)).toMatchObject({ ok: true, command: { verb: 'cancel', incident: { id: 'INC-000002' } } });
  });

  it('completes verbs, then available units for an assignment, then pending incidents first', () => {
    expect(complete('a', picture).map((c) => c.text)).toEqual(['ASSIGN ', 'ACK ']);
    expect(complete('A m', picture).map((c) => c.label)).toEqual(['Medic 14']);
    expect(complete('A Medic14 ', picture).map((c) => c.label)[0]).toMatch(/^INC-000017 P1/);
    expect(complete('S a3 o', picture).map((c) => c.text)).toEqual(['S a3 on_scene ', 'S a3 out_of_service ']);
  });
});
