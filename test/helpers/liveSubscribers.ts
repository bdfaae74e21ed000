import WebSocket from 'ws';

/**
 * WebSocket and SSE room subscribers that keep every room message they get (id
 * and data, duplicates included) and, like a client following
 * docs/hub-protocol.md, reconnect on their own and resume from the last id they
 * saw: WebSocket with `since=<id>`, SSE with Last-Event-ID. Tests read `got` to
 * count what is missing or doubled.
 */
export interface LiveSubscriber {
  readonly got: Array<{ id: number; data: unknown }>;
  /** Times the connection was up again after a loss. */
  readonly reconnects: number;
  readonly connected: boolean;
  /** The URL of the current (or next) connection; change it to move the subscriber (a test without a balancer). */
  url: string;
  close(): void;
}

const RETRY_MS = 200;

export function wsSubscriber(url: string, path: string, token: string, since?: number): LiveSubscriber {
  let lastId = since ?? 0;
  let stopped = false;
  let socket: WebSocket | undefined;
  const state = { got: [] as Array<{ id: number; data: unknown }>, reconnects: 0, connected: false, url, close() {} };
  const open = (again: boolean) => {
    const resume = lastId ? `&since=${lastId}` : '';
    const ws = new WebSocket(`${state.url.replace(/^http/, 'ws')}${path}?token=${encodeURIComponent(token)}${resume}`);
    socket = ws;
    ws.on('message', (raw: WebSocket.RawData) => {
      const m = JSON.parse(raw.toString()) as { type?: string; id?: number; room?: string | null; data?: unknown };
      if (m.type === 'connected') {
        state.connected = true;
        if (again) state.reconnects += 1;
        return;
      }
      if (typeof m.id !== 'number' || !m.room) return;
      state.got.push({ id: m.id, data: m.data });
      lastId = Math.max(lastId, m.id);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      state.connected = false;
      if (stopped || code === 1008) return;
      setTimeout(() => open(true), RETRY_MS);
    });
  };
  state.close = () => {
    stopped = true;
    socket?.terminate();
  };
  open(false);
  return state;
}

export function sseSubscriber(url: string, path: string, token: string, lastEventId?: number): LiveSubscriber {
  let lastId = lastEventId !== undefined ? String(lastEventId) : '';
  let stopped = false;
  let abort = new AbortController();
  const state = { got: [] as Array<{ id: number; data: unknown }>, reconnects: 0, connected: false, url, close() {} };
  const read = async (body: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id = '';
        let data = '';
        let event = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (event === 'connected') state.connected = true;
        if (!id || !data) continue;
        lastId = id;
        state.got.push({ id: Number(id), data: (JSON.parse(data) as { data?: unknown }).data });
      }
    }
  };
  void (async () => {
    let again = false;
    while (!stopped) {
      try {
        const res = await fetch(`${state.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: abort.signal });
        if (res.status === 200 && res.body) {
          if (again) state.reconnects += 1;
          await read(res.body);
        }
      } catch {
        // the node went away: retry as EventSource does
      }
      state.connected = false;
      again = true;
      abort = new AbortController();
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  })();
  state.close = () => {
    stopped = true;
    abort.abort();
  };
  return state;
}

/** Missing and doubled sequence numbers `1..last` among what a subscriber got (data `{ n }`). */
export function gapsOf(sub: LiveSubscriber, first: number, last: number): { missing: number; duplicated: number; inOrder: boolean } {
  const ns = sub.got.map((m) => (m.data as { n?: number } | null)?.n).filter((n): n is number => typeof n === 'number');
  const seen = new Set(ns);
  let missing = 0;
  for (let n = first; n <= last; n += 1) if (!seen.has(n)) missing += 1;
  return { missing, duplicated: ns.length - seen.size, inOrder: ns.every((n, i) => i === 0 || n > ns[i - 1]!) };
}
