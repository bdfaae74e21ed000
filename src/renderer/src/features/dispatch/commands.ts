import { UNIT_STATUSES as CAD_UNIT_STATUSES, type UnitStatus as CadUnitStatus } from '../../../../shared/cad';
import type { Alert } from '../../../../shared/contract/alerts';
import type { IncidentView, UnitView } from '../../stores/dispatchModel';

/**
 * The dispatch command line, in the manner of CAD consoles: a verb and its
 * arguments, typed, completed with Tab, run with Enter.
 *
 *   A  <unit> <incident>     assign a unit            (ASSIGN)
 *   S  <unit> <status>       set a unit's status      (STATUS)
 *   ACK [alert]              acknowledge an alert     (the oldest critical without one)
 *   F  <text>                find a unit or incident  (FIND)
 *   CLOSE / CANCEL <incident>, NEW <P> <type> / <address>, NOTE <incident> <text>
 *
 * Units are named by id, call sign with or without its space ("Medic 14",
 * "medic14") or initials and number ("m14"); incidents by id or number ("17").
 * Parsing and completion are pure functions over the picture, so they are
 * tested without a browser.
 */

export interface Picture {
  units: ReadonlyMap<string, UnitView>;
  incidents: ReadonlyMap<string, IncidentView>;
  alerts: readonly Alert[];
}

export type Command =
  | { verb: 'assign'; unit: UnitView; incident: IncidentView }
  | { verb: 'status'; unit: UnitView; status: CadUnitStatus }
  | { verb: 'ack'; alert: Alert }
  | { verb: 'find'; target: { kind: 'unit'; id: string } | { kind: 'incident'; id: string } }
  | { verb: 'close' | 'cancel'; incident: IncidentView }
  | { verb: 'new'; priority: number; type: string; address: string }
  | { verb: 'note'; incident: IncidentView; text: string };

export type Parsed = { ok: true; command: Command } | { ok: false; error: string };

interface VerbSpec {
  verb: Command['verb'];
  names: readonly string[];
  usage: string;
}

export const VERBS: readonly VerbSpec[] = [
  { verb: 'assign', names: ['a', 'assign'], usage: 'A <unit> <incident>' },
  { verb: 'status', names: ['s', 'status'], usage: 'S <unit> <status>' },
  { verb: 'ack', names: ['ack'], usage: 'ACK [alert]' },
  { verb: 'find', names: ['f', 'find'], usage: 'F <unit or incident>' },
  { verb: 'close', names: ['close'], usage: 'CLOSE <incident>' },
  { verb: 'cancel', names: ['cancel'], usage: 'CANCEL <incident>' },
  { verb: 'new', names: ['new'], usage: 'NEW <priority 1-4> <type> / <address>' },
  { verb: 'note', names: ['note'], usage: 'NOTE <incident> <text>' }
];

const norm = (s: string) => s.toLowerCase().replace(/[\s_]+/g, '');

/** Every name a unit answers to, normalised. */
export function unitAliases(unit: UnitView): string[] {
  const words = unit.callsign.trim().split(/\s+/);
  const number = /\d+$/.exec(unit.callsign)?.[0];
  const initials = words
    .filter((w) => !/^\d+$/.test(w))
    .map((w) => w[0])
    .join('');
  return [norm(unit.id), norm(unit.callsign), ...(number && initials ? [norm(initials + number)] : [])];
}

export function findUnit(picture: Picture, text: string): UnitView | null {
  const key = norm(text);
  if (!key) return null;
  for (const unit of picture.units.values()) if (unitAliases(unit).includes(key)) return unit;
  return null;
}

const incidentNumber = (id: string) => {
  const digits = /(\d+)\D*$/.exec(id)?.[1];
  return digits === undefined ? null : Number(digits);
};

export function findIncident(picture: Picture, text: string): IncidentView | null {
  const key = norm(text.replace(/^#/, ''));
  if (!key) return null;
  const direct = [...picture.incidents.values()].find((i) => norm(i.id) === key);
  if (direct) return direct;
  if (/^\d+$/.test(key)) return [...picture.incidents.values()].find((i) => incidentNumber(i.id) === Number(key)) ?? null;
  return null;
}

/** Status words a dispatcher types: the CAD's names, with or without underscores, and short forms. */
const STATUS_WORDS: Record<string, CadUnitStatus> = {
  av: 'available',
  avail: 'available',
  disp: 'dispatched',
  enrt: 'en_route',
  er: 'en_route',
  os: 'on_scene',
  scene: 'on_scene',
  tr: 'transporting',
  trans: 'transporting',
  ah: 'at_destination',
  athosp: 'at_destination',
  oos: 'out_of_service'
};
export function parseStatus(text: string): CadUnitStatus | null {
  const key = norm(text);
  return CAD_UNIT_STATUSES.find((s) => norm(s) === key) ?? STATUS_WORDS[key] ?? null;
}

/** The oldest unacknowledged critical alert, else the oldest unacknowledged one; or one named by id prefix or list number. */
export function findAlert(picture: Picture, text: string): Alert | null {
  const open = picture.alerts
    .filter((a) => !a.acknowledged_at && !a.cleared_at)
    .sort((a, b) => (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1) || a.raised_at.localeCompare(b.raised_at));
  if (!text.trim()) return open[0] ?? null;
  const key = text.trim().toLowerCase();
  if (/^\d+$/.test(key) && Number(key) >= 1 && Number(key) <= open.length) return open[Number(key) - 1]!;
  return open.find((a) => a.id.toLowerCase().startsWith(key)) ?? null;
}

const verbOf = (word: string) => VERBS.find((v) => v.names.includes(word.toLowerCase()));

/** Splits off leading unit words: "Medic 14 INC-3" -> the unit named by the longest prefix that matches. */
function takeUnit(picture: Picture, words: string[]): { unit: UnitView; rest: string[] } | null {
  for (let n = Math.min(3, words.length); n >= 1; n -= 1) {
    const unit = findUnit(picture, words.slice(0, n).join(' '));
    if (unit) return { unit, rest: words.slice(n) };
  }
  return null;
}

export function parseCommand(input: string, picture: Picture): Parsed {
  const words = input.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return { ok: false, error: 'Type a command: A unit incident, S unit status, ACK, F text.' };
  const spec = verbOf(words[0]!);
  if (!spec) return { ok: false, error: `Unknown command “${words[0]}”. Commands: ${VERBS.map((v) => v.usage).join(' · ')}` };
  const args = words.slice(1);
  const need = (what: string) => ({ ok: false as const, error: `${what} Usage: ${spec.usage}` });
  switch (spec.verb) {
    case 'assign': {
      const taken = takeUnit(picture, args);
      if (!taken) return need(`No unit “${args.slice(0, 2).join(' ')}”.`);
      const incident = findIncident(picture, taken.rest.join(' '));
      if (!incident) return need(taken.rest.length ? `No open incident “${taken.rest.join(' ')}”.` : 'Which incident?');
      if (!taken.unit.cad) return { ok: false, error: `${taken.unit.callsign} is seen by the hub only, not a CAD unit; the CAD cannot assign it.` };
      if (taken.unit.status !== 'available') return { ok: false, error: `${taken.unit.callsign} is not available (${taken.unit.status}).` };
      return { ok: true, command: { verb: 'assign', unit: taken.unit, incident } };
    }
    case 'status': {
      const taken = takeUnit(picture, args);
      if (!taken) return need(`No unit “${args.slice(0, 2).join(' ')}”.`);
      const status = parseStatus(taken.rest.join(' '));
      if (!status) return need(`Status must be one of ${CAD_UNIT_STATUSES.join(', ')}.`);
      return { ok: true, command: { verb: 'status', unit: taken.unit, status } };
    }
    case 'ack': {
      const alert = findAlert(picture, args.join(' '));
      return alert ? { ok: true, command: { verb: 'ack', alert } } : { ok: false, error: args.length ? `No open alert “${args.join(' ')}”.` : 'No alert is waiting for acknowledgement.' };
    }
    case 'find': {
      const text = args.join(' ');
      const unit = takeUnit(picture, args);
      if (unit) return { ok: true, command: { verb: 'find', target: { kind: 'unit', id: unit.unit.id } } };
      const incident = findIncident(picture, text);
      if (incident) return { ok: true, command: { verb: 'find', target: { kind: 'incident', id: incident.id } } };
      const needle = text.toLowerCase();
      const byAddress = needle ? [...picture.incidents.values()].find((i) => i.address.toLowerCase().includes(needle) || i.type.toLowerCase().includes(needle)) : undefined;
      if (byAddress) return { ok: true, command: { verb: 'find', target: { kind: 'incident', id: byAddress.id } } };
      return need(text ? `Nothing matches “${text}”.` : 'Find what?');
    }
    case 'close':
    case 'cancel': {
      const incident = findIncident(picture, args.join(' '));
      return incident ? { ok: true, command: { verb: spec.verb, incident } } : need(args.length ? `No open incident “${args.join(' ')}”.` : 'Which incident?');
    }
    case 'new': {
      const priority = Number(args[0]);
      const [type, address] = args.slice(1).join(' ').split('/').map((s) => s.trim());
      if (!Number.isInteger(priority) || priority < 1 || priority > 9) return need('Priority first, 1 (most urgent) to 9.');
      if (!type || !address) return need('Give a type and an address, split by “/”.');
      return { ok: true, command: { verb: 'new', priority, type, address } };
    }
    case 'note': {
      const incident = findIncident(picture, args[0] ?? '');
      const text = args.slice(1).join(' ').trim();
      if (!incident) return need(args.length ? `No open incident “${args[0]}”.` : 'Which incident?');
      if (!text) return need('What should the note say?');
      return { ok: true, command: { verb: 'note', incident, text } };
    }
  }
}

export interface Completion {
  /** The whole input after accepting this completion. */
  text: string;
  label: string;
  detail?: string;
}

const MAX_COMPLETIONS = 8;

/**
 * Completions for the word being typed (the last one): verbs first, then units
 * (available ones first for A), incidents (pending first), statuses or alerts,
 * depending on the verb and the argument's position.
 */
export function complete(input: string, picture: Picture): Completion[] {
  const endsWithSpace = /\s$/.test(input);
  const words = input.trim().split(/\s+/).filter(Boolean);
  const current = endsWithSpace ? '' : (words.pop() ?? '');
  const before = words.join(' ');
  const prefix = before ? `${before} ` : '';
  const key = norm(current);
  const make = (value: string, label: string, detail?: string): Completion => ({ text: `${prefix}${value} `, label, detail });
  if (!words.length) {
    return VERBS.filter((v) => v.names.some((n) => n.startsWith(key))).map((v) => make(v.names[v.names.length - 1]!.toUpperCase(), v.usage));
  }
  const spec = verbOf(words[0]!);
  if (!spec) return [];
  const argIndex = words.length - 1; // 0 = first argument
  const units = (onlyAvailable: boolean) =>
    [...picture.units.values()]
      .filter((u) => (!onlyAvailable || (u.status === 'available' && u.cad)) && unitAliases(u).some((a) => a.startsWith(key)))
      .sort((a, b) => a.callsign.localeCompare(b.callsign, undefined, { numeric: true }))
      .map((u) => make(u.callsign.replace(/\s+/g, ''), u.callsign, `${u.status}${u.unitType ? ` · ${u.unitType}` : ''}`));
  const incidents = () =>
    [...picture.incidents.values()]
      .filter((i) => norm(i.id).startsWith(key) || String(incidentNumber(i.id) ?? '').startsWith(key) || i.address.toLowerCase().includes(current.toLowerCase()))
      .sort((a, b) => (a.status === 'pending' ? 0 : 1) - (b.status === 'pending' ? 0 : 1) || a.priority - b.priority || a.createdAt - b.createdAt)
      .map((i) => make(i.id, `${i.id} P${i.priority} ${i.type}`, `${i.status} · ${i.address}`));
  let out: Completion[] = [];
  switch (spec.verb) {
    case 'assign':
      out = argIndex === 0 ? units(true) : argIndex === 1 ? incidents() : [];
      break;
    case 'status':
      out = argIndex === 0 ? units(false) : argIndex === 1 ? CAD_UNIT_STATUSES.filter((s) => norm(s).startsWith(key)).map((s) => make(s, s)) : [];
      break;
    case 'ack':
      out =
        argIndex === 0
          ? picture.alerts
              .filter((a) => !a.acknowledged_at && !a.cleared_at && a.id.toLowerCase().startsWith(current.toLowerCase()))
              .map((a) => make(a.id.slice(0, 8), `${a.severity.toUpperCase()} ${a.title}`, a.message))
          : [];
      break;
    case 'find':
      out = argIndex === 0 ? [...units(false), ...incidents()] : [];
      break;
    case 'close':
    case 'cancel':
    case 'note':
      out = argIndex === 0 ? incidents() : [];
      break;
    case 'new':
      out = [];
      break;
  }
  return out.slice(0, MAX_COMPLETIONS);
}
