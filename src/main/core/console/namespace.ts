import type { Logger } from 'pino';
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
import type { OperatorRole } from '../../../shared/roles';
import type { OperatorStore } from '../auth/operators';
import type { TokenService } from '../auth/tokens';
import type { EventBus } from '../contract/bus';
import type { CallContext, ContractRegistry } from '../contract/registry';
import { roomHasAudience } from '../http/recoveryAdapter';
import { resolveOperatorToken } from './sessions';

interface ConsoleSocketData {
  operator: { username: string; role: OperatorRole } | null;
}

export interface ConsoleNamespaceDeps {
  io: SocketIOServer;
  api: ContractRegistry;
  bus: EventBus;
  operators: OperatorStore;
  tokens: TokenService;
  logger: Logger;
  /** This process's identity: a console that sees another one reloads its whole picture. */
  bootId: string;
}

export interface ConsoleNamespace {
  connections(): number;
  /** Graceful stop: tell every console the core is going away and refuse calls from now on. */
  announceStopping(): void;
}

const roomForRole = (role: OperatorRole) => `role:${role}`;

/**
 * The browser console's transport: the same contract as IPC, over Socket.IO.
 * A socket may connect before sign-in (to call auth.signIn); a token in
 * `auth.token` resumes a session at connect. Pushed events go only to signed-in
 * sockets whose role the event allows.
 */
export function attachConsoleNamespace(deps: ConsoleNamespaceDeps): ConsoleNamespace {
  const nsp = deps.io.of(CONSOLE_NAMESPACE);
  let stopping = false;
  const hello = (): ConsoleHello => ({ boot_id: deps.bootId, clock: performance.now() });

  const setOperator = (socket: Socket, operator: ConsoleSocketData['operator']) => {
    const data = socket.data as ConsoleSocketData;
    if (data.operator) void socket.leave(roomForRole(data.operator.role));
    data.operator = operator;
    if (operator) void socket.join(roomForRole(operator.role));
  };

  nsp.use(async (socket, next) => {
    (socket.data as ConsoleSocketData).operator = null;
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token) {
      try {
        const operator = await resolveOperatorToken(deps, token);
        setOperator(socket, { username: operator.username, role: operator.role });
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
      const ctx: CallContext = {
        operator: (socket.data as ConsoleSocketData).operator,
        transport: 'socket',
        setSession: (operator) => setOperator(socket, operator)
      };
      ack(await deps.api.invoke(name, input, ctx));
    });
  });

  deps.bus.onAny(({ event, payload }) => {
    for (const role of rolesForEvent(event)) {
      const room = roomForRole(role);
      // Unit positions alone are thousands of pushes a second under load: skip roles with no console.
      if (roomHasAudience(nsp, room)) nsp.to(room).emit('event', event, payload);
    }
  });

  return {
    connections: () => nsp.sockets.size,
    announceStopping() {
      stopping = true;
      nsp.emit(CONSOLE_STOPPING_EVENT);
    }
  };
}
