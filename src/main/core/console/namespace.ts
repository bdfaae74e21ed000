import type { Logger } from 'pino';
import { clientAddress } from '../http/clientAddress';
import type { Server as SocketIOServer, Socket } from 'socket.io';
import { performance } from 'node:perf_hooks';
import { CONSOLE_NAMESPACE } from '../../../shared/contract';
import {
  CONSOLE_CLOCK_EVENT,
  CONSOLE_HELLO_EVENT,
  CONSOLE_STOPPING_EVENT,
  type ConsoleHello
} from '../../../shared/contract/consoleLink';
import { fail } from '../../../shared/result';
import { rolesForEvent } from '../../../shared/contract/audience';
import type { OperatorStore } from '../auth/operators';
import type { Revocation, RevocationStore } from '../auth/revocations';
import type { TokenService } from '../auth/tokens';
import type { EventBus } from '../contract/bus';
import type { CallContext, CallOperator, ContractRegistry } from '../contract/registry';
import { roomHasAudience } from '../hub/recoveryAdapter';
import { CROSS_ORIGIN_MESSAGE, originAllowed } from '../http/origin';
import { revocationCovers } from '../hub/sessionGuard';
import { resolveOperatorToken, type SessionAudit } from './sessions';

interface ConsoleSocketData {
  operator: CallOperator | null;
}

export interface ConsoleNamespaceDeps {
  io: SocketIOServer;
  api: ContractRegistry;
  bus: EventBus;
  operators: OperatorStore;
  tokens: TokenService;
  revocations: RevocationStore;
  logger: Logger;
  allowedOrigins: readonly string[];
  /** Behind a TLS-terminating proxy: client addresses come from X-Forwarded-For (as for HTTP routes). */
  trustProxy?: boolean;
  audit(entry: SessionAudit): void;
  /** How often open sessions are checked for expiry. */
  checkEveryMs?: number;
  /** This process's identity: a console that sees another one reloads its whole picture. */
  bootId: string;
  /** The cluster node's name (cluster mode): consoles tell a move to another node from a restart. */
  nodeName?: string;
}

export interface ConsoleNamespace {
  connections(): number;
  /** Graceful stop: tell every console the core is going away and refuse calls from now on. */
  announceStopping(): void;
  close(): void;
}

const roomForRole = (role: CallOperator['role']) => `role:${role}`;

/**
 * Events every node derives for itself (in a cluster each node applies the CAD
 * events the link holder relays, publishes its own health and counters, and
 * re-reads a centre setting another node changed): sent to this node's consoles only. Broadcast through the cluster's adapter,
 * a console would get one copy from every node. Everything else happens on one
 * node (a device's report, an alert, a hospital's answer) and reaches every
 * node's consoles through the adapter.
 */
const NODE_LOCAL_EVENTS = new Set<string>(['dispatch.unitUpdated', 'dispatch.incidentUpdated', 'dispatch.metricsUpdated', 'bridge.health', 'system.heartbeat', 'hub.stats', 'log.stats', 'dispatch.runCardsUpdated', 'dispatch.thresholdsUpdated']);

/**
 * The browser console's transport: the same contract as IPC, over Socket.IO.
 * A socket may connect before sign-in (to call auth.signIn); a token in
 * `auth.token` resumes a session at connect. Pushed events go only to signed-in
 * sockets whose role the event allows. A session ends with its token: revoked
 * (sign-out elsewhere, a disabled operator) or expired, the socket is
 * disconnected; every call re-checks it first.
 */
export function attachConsoleNamespace(deps: ConsoleNamespaceDeps): ConsoleNamespace {
  const nsp = deps.io.of(CONSOLE_NAMESPACE);
  const ipOf = (socket: Socket) => clientAddress(socket.request, deps.trustProxy === true);
  let stopping = false;
  const hello = (): ConsoleHello => ({ boot_id: deps.bootId, ...(deps.nodeName ? { node: deps.nodeName } : {}), clock: performance.now() });

  const setOperator = (socket: Socket, operator: ConsoleSocketData['operator']) => {
    const data = socket.data as ConsoleSocketData;
    if (data.operator) void socket.leave(roomForRole(data.operator.role));
    data.operator = operator;
    if (operator) void socket.join(roomForRole(operator.role));
  };

  const endSession = (socket: Socket, outcome: 'sessionRevoked' | 'sessionExpired', detail: Record<string, unknown>) => {
    const operator = (socket.data as ConsoleSocketData).operator;
    if (!operator) return;
    setOperator(socket, null);
    deps.audit({ actor: operator.username, role: operator.role, outcome, transport: 'socket', ip: ipOf(socket), detail: { jti: operator.token?.jti, ...detail } });
    deps.logger.info({ user: operator.username, outcome }, 'console session ended');
    socket.disconnect(true);
  };

  /** The session is still good: not revoked, not expired. Checked before every call. */
  const stillValid = (operator: CallOperator) => {
    if (!operator.token) return true;
    if (operator.token.exp * 1000 <= Date.now()) return false;
    return !deps.revocations.isRevoked({ jti: operator.token.jti, iat: operator.token.iat, identity: { sub: operator.username, role: operator.role } });
  };

  nsp.use(async (socket, next) => {
    (socket.data as ConsoleSocketData).operator = null;
    if (!originAllowed(socket.request, deps.allowedOrigins)) return next(new Error(CROSS_ORIGIN_MESSAGE));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token) {
      try {
        const session = await resolveOperatorToken(deps, token);
        setOperator(socket, { username: session.username, role: session.role, token: session.token });
      } catch (err) {
        return next(new Error((err as Error).message));
      }
    }
    next();
  });

  nsp.on('connection', (socket) => {
    socket.emit(CONSOLE_HELLO_EVENT, hello());
    if (stopping) socket.emit(CONSOLE_STOPPING_EVENT);
    socket.on(CONSOLE_CLOCK_EVENT, (ack?: unknown) => {
      if (typeof ack === 'function') ack(hello());
    });
    // emit('call', name, input, [meta], ack): meta carries the console's deadline (see shared/contract/consoleLink.ts).
    socket.on('call', async (name: unknown, input: unknown, metaOrAck?: unknown, maybeAck?: unknown) => {
      const ack = typeof maybeAck === 'function' ? maybeAck : metaOrAck;
      if (typeof ack !== 'function') return;
      const deadline = typeof maybeAck === 'function' ? (metaOrAck as { deadline?: unknown } | null)?.deadline : undefined;
      if (typeof deadline === 'number' && performance.now() > deadline) {
        // The console has given up on this call (it answered its user "unknown"): applying it now would act behind their back.
        deps.logger.warn({ method: typeof name === 'string' ? name.slice(0, 64) : null, lateMs: Math.round(performance.now() - deadline) }, 'refused a console call that arrived after its deadline');
        return ack(fail('EXPIRED', 'This call reached the core after the console had given up on it, so it was not applied.'));
      }
      if (stopping) return ack(fail('UNAVAILABLE', 'The core is shutting down; nothing was applied. Try again once it is back.'));
      const data = socket.data as ConsoleSocketData;
      if (data.operator && !stillValid(data.operator)) endSession(socket, 'sessionRevoked', { at: 'call' });
      const ctx: CallContext = {
        operator: data.operator,
        transport: 'socket',
        ip: ipOf(socket),
        setSession: (operator) => setOperator(socket, operator)
      };
      ack(await deps.api.invoke(name, input, ctx));
    });
  });

  const stopRevocations = deps.revocations.onRevoked((r: Revocation) => {
    for (const socket of nsp.sockets.values()) {
      const operator = (socket.data as ConsoleSocketData).operator;
      if (operator?.token && revocationCovers(r, { sub: operator.username, role: operator.role }, operator.token)) {
        endSession(socket, 'sessionRevoked', { revoked: r.kind, by: r.revokedBy, reason: r.reason });
      }
    }
  });
  const expiry = setInterval(() => {
    const now = Date.now();
    for (const socket of nsp.sockets.values()) {
      const operator = (socket.data as ConsoleSocketData).operator;
      if (operator?.token && operator.token.exp * 1000 <= now) endSession(socket, 'sessionExpired', { exp: operator.token.exp });
    }
  }, deps.checkEveryMs ?? 1_000);
  expiry.unref();

  deps.bus.onAny(({ event, payload }) => {
    const target = NODE_LOCAL_EVENTS.has(event) ? nsp.local : nsp;
    for (const role of rolesForEvent(event)) {
      const room = roomForRole(role);
      // Unit positions alone are thousands of pushes a second under load: skip roles with no console.
      if (roomHasAudience(nsp, room)) target.to(room).emit('event', event, payload);
    }
  });

  return {
    connections: () => nsp.sockets.size,
    announceStopping() {
      stopping = true;
      nsp.emit(CONSOLE_STOPPING_EVENT);
    },
    close() {
      stopRevocations();
      clearInterval(expiry);
    }
  };
}
