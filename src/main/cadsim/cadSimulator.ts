import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as SocketIOServer, type Socket } from 'socket.io';
import {
  CAD_AUTH_FAILED,
  CAD_BRIDGE_ROOM,
  CAD_OUTBOUND_EVENTS,
  CAD_SNAPSHOT_EVENT,
  type CadInboundEvent,
  type CadInboundPayload,
  type CadSnapshot
} from '../../shared/cad';
import { createOutboundHandler } from './outboundHandlers';
import { seededRandom } from './random';
import { createSimState, type SimState } from './simState';
import { createWorld, type CityArea, type World } from './world';

export interface CadSimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The bridge must present this token in the handshake (`auth.token`). */
  token: string;
  /** Carry a previous simulator's state over (a CAD restarting on its database). */
  state?: SimState;
  units?: number;
  incidentsPerMinute?: number;
  /** Real milliseconds between simulation steps; 0 = only when `tick()` is called. */
  tickMs?: number;
  /** Simulated seconds per real second. */
  timeScale?: number;
  /** Emit metrics:updated every this many ticks (0 = never on its own). */
  metricsEveryTicks?: number;
  /** All new calls, only some priorities, or none (the dispatcher assigns). */
  autoDispatch?: boolean | { priorities: readonly number[] };
  /** Simulated ms after which the CAD dispatches a call nobody assigned. */
  autoDispatchAfterMs?: number;
  seed?: number;
  area?: CityArea;
  /** Serve wss/https with this PEM pair (a CAD behind TLS). */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface CadSimulator {
  url: string;
  port: number;
  state: SimState;
  world: World;
  /** Advances the simulation one step of `dtMs` simulated milliseconds. */
  tick(dtMs?: number): void;
  snapshot(): CadSnapshot;
  /** Emits `count` unit:location:updated events as fast as the loop allows (benchmarks). */
  emitBurst(count: number): Promise<void>;
  /** Sends any event, even a malformed one, to the bridges (protocol and robustness tests). */
  broadcastRaw(event: string, payload: unknown): void;
  /** Pretends events were lost: the next event's seq jumps by `count`. */
  skipSequence(count: number): void;
  /** Cuts every bridge off and refuses (true) or accepts (false) new connections: a network partition. */
  setReachable(reachable: boolean): void;
  connections(): number;
  /** Stops or restarts the simulation clock (events from outbound messages still flow). */
  setRunning(running: boolean): void;
  close(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A Socket.IO server that plays the CAD backend: it checks the bridge's token,
 * puts it in the 'fastapi-bridge' room, runs a small city of ambulances,
 * numbers every event, answers snapshots and applies the bridge's messages
 * once per idempotency key. docs/cad-protocol.md describes the protocol.
 */
export async function createCadSimulator(options: CadSimulatorOptions): Promise<CadSimulator> {
  const state = options.state ?? createSimState();
  const random = seededRandom(options.seed ?? 42);
  const expected = digest(options.token);
  const notFound = (_req: http.IncomingMessage, res: http.ServerResponse) => void res.writeHead(404).end();
  const httpServer = options.tls ? https.createServer({ ...options.tls, minVersion: 'TLSv1.2' }, notFound) : http.createServer(notFound);
  const io = new SocketIOServer(httpServer, { serveClient: false, maxHttpBufferSize: 1024 * 1024 });
  let reachable = true;

  const emit = <E extends CadInboundEvent>(event: E, payload: Omit<CadInboundPayload<E>, 'epoch' | 'seq'>) => {
    state.seq += 1;
    io.to(CAD_BRIDGE_ROOM).emit(event, { epoch: state.epoch, seq: state.seq, ...payload });
  };
  const world = createWorld({ state, random, emit, area: options.area, autoDispatch: options.autoDispatch ?? true, autoDispatchAfterMs: options.autoDispatchAfterMs });
  world.seedUnits(options.units ?? 12);
  const handleOutbound = createOutboundHandler(state, world);

  io.use((socket, next) => {
    if (!reachable) return next(Object.assign(new Error('CAD unavailable'), { data: { code: 'UNAVAILABLE' } }));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !timingSafeEqual(digest(token), expected)) {
      return next(Object.assign(new Error('unauthorized: invalid CAD token'), { data: { code: CAD_AUTH_FAILED } }));
    }
    next();
  });

  io.on('connection', (socket: Socket) => {
    void socket.join(CAD_BRIDGE_ROOM);
    socket.on(CAD_SNAPSHOT_EVENT, (_request: unknown, ack?: unknown) => {
      if (typeof ack === 'function') ack(snapshot());
    });
    for (const event of CAD_OUTBOUND_EVENTS) {
      socket.on(event, (payload: unknown, ack?: unknown) => {
        const answer = handleOutbound(event, payload);
        if (typeof ack === 'function') ack(answer);
      });
    }
  });

  const snapshot = (): CadSnapshot => ({
    epoch: state.epoch,
    seq: state.seq,
    units: [...state.units.values()].map((u) => structuredClone(u)),
    incidents: [...state.incidents.values()].map((i) => structuredClone(i)),
    at: new Date().toISOString()
  });

  const timeScale = options.timeScale ?? 1;
  const tickMs = options.tickMs ?? 1_000;
  let ticks = 0;
  const tick = (dtMs = tickMs * timeScale) => {
    world.step(dtMs, options.incidentsPerMinute ?? 2);
    ticks += 1;
    if (options.metricsEveryTicks && ticks % options.metricsEveryTicks === 0) world.publishMetrics();
  };
  let timer: NodeJS.Timeout | null = null;
  const setRunning = (run: boolean) => {
    if (timer) clearInterval(timer);
    timer = run && tickMs > 0 ? setInterval(() => tick(), tickMs) : null;
    timer?.unref();
  };
  setRunning(true);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    state,
    world,
    tick,
    snapshot,
    async emitBurst(count) {
      const units = [...state.units.values()];
      for (let i = 0; i < count; i += 1) {
        const unit = units[i % units.length]!;
        const loc = unit.location ?? { lat: 47.6, lon: -122.33 };
        world.moveUnit(unit, { lat: loc.lat + (random() - 0.5) * 1e-4, lon: loc.lon + (random() - 0.5) * 1e-4 }, Math.floor(random() * 360), 50);
        // Yield now and then so the socket can write and the process stays responsive.
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
    },
    broadcastRaw(event, payload) {
      io.to(CAD_BRIDGE_ROOM).emit(event, payload);
    },
    skipSequence(count) {
      state.seq += count;
    },
    setReachable(value) {
      reachable = value;
      if (!value) io.disconnectSockets(true);
    },
    connections: () => io.of('/').sockets.size,
    setRunning,
    async close() {
      if (timer) clearInterval(timer);
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeAllConnections?.();
    }
  };
}
