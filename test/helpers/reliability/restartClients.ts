import { spawn } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { RETRYABLE_HUB_CODES } from '../../../src/shared/hubEvents';
import { sleep } from './clients';

/**
 * Clients that behave as docs/hub-protocol.md asks of a device integrator, for
 * the restart tests: each records when it lost and regained its connection, and
 * what it sent and received, so a test can tell whether it came back and
 * recovered on its own.
 */
export interface Comeback {
  /** Times (Date.now) the client found itself connected again after a loss. */
  reconnectedAt: number[];
  /** How each connection loss was reported (Socket.IO reason, WebSocket close code, "stream ended"). */
  losses: string[];
}

/** Events a device has on the wire at once. */
const WINDOW = 20;

/** Markers of device_data messages a follower received from its room. */
const markerOf = (data: unknown): string | undefined => (data as { values?: { marker?: string } } | undefined)?.values?.marker;

/**
 * A socket.io-client device: device_data with an event_id every `intervalMs`;
 * holds new events after `hub.restarting` until it is connected again; resends
 * every event that got a retryable answer or none, with its id.
 */
export class IoDevice implements Comeback {
  readonly reconnectedAt: number[] = [];
  readonly losses: string[] = [];
  readonly acked = new Map<string, number>();
  duplicates = 0;
  /** Events on the wire (emitted while connected, no answer yet) when the connection was lost. */
  unansweredAtLoss = 0;
  readonly refused: string[] = [];
  private readonly queue: string[] = [];
  private readonly onWire = new Set<string>();
  private holding = false;
  /** A retryable answer asked to wait (RATE_LIMITED's retry_after_ms): nothing is sent before then. */
  private pausedUntil = 0;
  private n = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly socket: Socket;

  constructor(url: string, token: string, readonly tag: string, intervalMs: number) {
    this.socket = io(url, { transports: ['websocket'], auth: { token }, reconnectionDelayMax: 2_000 });
    this.socket.on('hub.restarting', () => (this.holding = true));
    this.socket.on('disconnect', (reason) => {
      this.losses.push(reason);
      this.unansweredAtLoss += this.onWire.size;
      for (const id of this.onWire) this.queue.push(id);
      this.onWire.clear();
    });
    let first = true;
    this.socket.on('connect', () => {
      if (!first) this.reconnectedAt.push(Date.now());
      first = false;
      this.holding = false;
      this.pump();
    });
    this.timer = setInterval(() => {
      this.queue.push(`${tag}-n${this.n++}`);
      this.pump();
    }, intervalMs);
  }

  private pump() {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      setTimeout(() => this.pump(), wait);
      return;
    }
    // A window of unanswered events, as a device that keeps a queue would: a backlog goes out at the pace of the acks.
    while (this.socket.connected && !this.holding && this.queue.length > 0 && this.onWire.size < WINDOW) {
      const eventId = this.queue.shift()!;
      this.onWire.add(eventId);
      this.socket.emit('device_data', { event_id: eventId, data_type: 'telemetry', values: { marker: eventId } }, (ack: { ok: boolean; id?: number; duplicate?: boolean; error?: { code: string } }) => {
        if (!this.onWire.delete(eventId)) return; // answered after the loss was counted (cannot happen on one transport)
        queueMicrotask(() => this.pump());
        if (ack.ok && typeof ack.id === 'number') {
          this.acked.set(eventId, ack.id);
          if (ack.duplicate) this.duplicates += 1;
        } else if (ack.error && RETRYABLE_HUB_CODES.has(ack.error.code)) {
          this.queue.push(eventId);
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ((ack.error as { retry_after_ms?: number }).retry_after_ms ?? 200));
        } else this.refused.push(`${eventId}: ${ack.error?.code}`);
      });
    }
  }

  outstanding(): number {
    return this.queue.length + this.onWire.size;
  }

  /** Stops making events; resolves when every event made is acked (or the deadline passes). */
  async finish(deadlineMs = 30_000): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (this.outstanding() > 0 && Date.now() < deadline) {
      this.pump();
      await sleep(50);
    }
  }

  close() {
    clearInterval(this.timer);
    this.socket.disconnect();
  }
}

/** A socket.io-client follower of a room it joins itself, re-joining with `since` after a restart. */
export class IoFollower implements Comeback {
  readonly reconnectedAt: number[] = [];
  readonly losses: string[] = [];
  readonly markers = new Set<string>();
  private lastId = 0;
  /** In its room (the join was answered). */
  joined = false;
  readonly socket: Socket;

  constructor(url: string, token: string, room: string) {
    this.socket = io(url, { transports: ['websocket'], auth: { token }, reconnectionDelayMax: 2_000 });
    this.socket.on('device.data.update', (data: unknown) => {
      const marker = markerOf(data);
      if (marker) this.markers.add(marker);
    });
    this.socket.on('hub.restarting', (notice: { last_id: number }) => (this.lastId = notice.last_id));
    this.socket.on('disconnect', (reason) => this.losses.push(reason));
    let first = true;
    this.socket.on('connect', () => {
      if (!first) this.reconnectedAt.push(Date.now());
      first = false;
      // A restarted hub has no session to recover: join again, asking for what was missed.
      if (this.socket.recovered) return;
      this.socket.emit('join_room', { room, ...(this.lastId ? { since: this.lastId } : {}) }, (ack: { ok: boolean; history?: Array<{ data: unknown }> }) => {
        this.joined = ack.ok;
        for (const m of ack.history ?? []) {
          const marker = markerOf(m.data);
          if (marker) this.markers.add(marker);
        }
      });
    });
  }

  close() {
    this.socket.disconnect();
  }
}

/** A plain WebSocket follower: reconnects on any close but 1008 (refused), resuming with since=<last id>. */
export class WsFollower implements Comeback {
  readonly reconnectedAt: number[] = [];
  readonly losses: string[] = [];
  readonly markers = new Set<string>();
  private lastId = 0;
  private closed = false;
  connected = false;

  constructor(private readonly url: string, private readonly path: string, private readonly token: string) {
    this.open(false);
  }

  private open(again: boolean) {
    const since = this.lastId ? `&since=${this.lastId}` : '';
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}${this.path}?token=${encodeURIComponent(this.token)}${since}`);
    ws.on('message', (raw: WebSocket.RawData) => {
      const m = JSON.parse(raw.toString()) as { type?: string; id?: number; data?: unknown };
      if (m.type === 'connected') {
        this.connected = true;
        if (again) this.reconnectedAt.push(Date.now());
        return;
      }
      if (typeof m.id === 'number' && m.id > this.lastId) this.lastId = m.id;
      const marker = markerOf(m.data);
      if (marker) this.markers.add(marker);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (this.connected) this.losses.push(String(code));
      this.connected = false;
      if (this.closed || code === 1008) return;
      setTimeout(() => this.open(true), 500);
    });
    this.close = () => {
      this.closed = true;
      ws.terminate();
    };
  }

  close() {
    this.closed = true;
  }
}

/** An SSE follower that behaves as EventSource does: reconnects after `retry:` with Last-Event-ID. */
export class SseFollower implements Comeback {
  readonly reconnectedAt: number[] = [];
  readonly losses: string[] = [];
  readonly markers = new Set<string>();
  private lastEventId = '';
  private retryMs = 3_000;
  /** The first stream is open. */
  connected = false;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(private readonly url: string, private readonly token: string) {
    void this.run();
  }

  private async run() {
    let again = false;
    while (!this.stopped) {
      try {
        const res = await fetch(this.url, { headers: { authorization: `Bearer ${this.token}`, ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) }, signal: this.abort.signal });
        if (res.status === 200 && res.body) {
          this.connected = true;
          if (again) this.reconnectedAt.push(Date.now());
          await this.read(res.body);
          this.losses.push('stream ended');
        }
      } catch {
        // connection refused while the server is down: retry like EventSource
      }
      again = true;
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
          else if (line.startsWith('retry: ')) this.retryMs = Number(line.slice(7));
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) {
          const marker = markerOf((JSON.parse(data) as { data?: unknown }).data);
          if (marker) this.markers.add(marker);
        }
      }
    }
  }

  close() {
    this.stopped = true;
    this.abort.abort();
  }
}

/** A python-socketio device (Debian's python3-socketio): the same protocol, written by someone else's library. */
export const PYTHON_DEVICE = `
import json, os, sys, time
import socketio
url, token, tag, stop_file = sys.argv[1:5]
sio = socketio.Client(reconnection_delay=0.5, reconnection_delay_max=2)
state = {'holding': False}
def out(**kw): print(json.dumps(kw), flush=True)
@sio.event
def connect():
    state['holding'] = False
    out(t='connect', at=time.time() * 1000)
@sio.event
def disconnect():
    out(t='disconnect', at=time.time() * 1000)
@sio.on('hub.restarting')
def restarting(data):
    state['holding'] = True
sio.connect(url, transports=['websocket'], auth={'token': token})
n = 0
pending = None
finishing = False
while True:
    if os.path.exists(stop_file):
        finishing = True
    if pending is None:
        if finishing:
            break
        pending = '%s-n%d' % (tag, n)
        n += 1
    if not sio.connected or state['holding']:
        time.sleep(0.05)
        continue
    try:
        ack = sio.call('device_data', {'event_id': pending, 'data_type': 'telemetry', 'values': {'marker': pending}}, timeout=10)
    except Exception as e:
        out(t='noanswer', event_id=pending, error=type(e).__name__, connected=sio.connected)
        time.sleep(0.05)
        continue
    if ack.get('ok'):
        out(t='ack', event_id=pending, id=ack['id'], dup=bool(ack.get('duplicate')))
        pending = None
    else:
        code = ack['error']['code']
        out(t='error', event_id=pending, code=code)
        if code not in ('UNAVAILABLE', 'RESTARTING', 'RATE_LIMITED', 'TIMEOUT'):
            pending = None
    time.sleep(0.05)
out(t='done', made=n)
sio.disconnect()
`;

export interface PythonDevice extends Comeback {
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function startPythonDevice(url: string, token: string, tag: string, stopFile: string): PythonDevice {
  const child = spawn('/usr/bin/python3', ['-c', PYTHON_DEVICE, url, token, tag, stopFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const device: PythonDevice = {
    lines: [],
    reconnectedAt: [],
    losses: [],
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stderr: () => err
  };
  let err = '';
  let partial = '';
  let connects = 0;
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  child.stdout.on('data', (c: Buffer) => {
    const parts = (partial + c.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      const line = JSON.parse(text) as Record<string, unknown>;
      device.lines.push(line);
      if (line.t === 'connect' && connects++ > 0) device.reconnectedAt.push(Date.now());
      if (line.t === 'disconnect') device.losses.push('disconnect');
    }
  });
  return device;
}
