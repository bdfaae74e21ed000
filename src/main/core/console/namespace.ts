import type { Logger } from 'pino';
import type { Server as SocketIOServer, Socket } from 'socket.io';
import { CONSOLE_NAMESPACE } from '../../../shared/contract';
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
}

const roomForRole = (role: OperatorRole) => `role:${role}`;

/**
 * The browser console's transport: the same contract as IPC, over Socket.IO.
 * A socket may connect before sign-in (to call auth.signIn); a token in
 * `auth.token` resumes a session at connect. Pushed events go only to signed-in
 * sockets whose role the event allows.
 */
export function attachConsoleNamespace(deps: ConsoleNamespaceDeps): { connections(): number } {
  const nsp = deps.io.of(CONSOLE_NAMESPACE);

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
    socket.on('call', async (name: unknown, input: unknown, ack?: unknown) => {
      if (typeof ack !== 'function') return;
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

  return { connections: () => nsp.sockets.size };
}
