import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  isMethodName,
  methods,
  type MethodInput,
  type MethodName,
  type Methods,
  type MethodOutput
} from '../../../shared/contract';
import { fail, ok, type Result } from '../../../shared/result';
import type { OperatorRole } from '../../../shared/roles';
import { AppError, describeIssues, toErrorBody } from '../errors';
import { parseUntrusted } from '../../../shared/parseUntrusted';

/** Who is calling: a signed-in operator, or nobody yet. */
export interface CallContext {
  operator: CallOperator | null;
  transport: 'ipc' | 'socket' | 'rest';
  /** The caller's network address (null over IPC): sign-in throttling and the access log use it. */
  ip?: string | null;
  /** Lets sign-in/out change the session of the transport that carried the call. */
  setSession?(session: CallOperator | null): void;
}

/** A signed-in operator; `token` is the session token's id and times when the transport keeps them. */
export interface CallOperator {
  username: string;
  role: OperatorRole;
  token?: { jti: string; iat: number; exp: number };
}

/** A handler gets its input already parsed by the method's schema. */
export type Handler<M extends MethodName> = (
  input: z.output<Methods[M]['input']>,
  ctx: CallContext
) => Promise<MethodOutput<M>> | MethodOutput<M>;

export interface ContractRegistry {
  handle<M extends MethodName>(name: M, handler: Handler<M>): void;
  /** Parses, authorises and runs one call; never throws. */
  invoke(name: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>>;
  /** Typed in-process call for core code and tests. */
  call<M extends MethodName>(name: M, input: MethodInput<M>, ctx: CallContext): Promise<Result<MethodOutput<M>>>;
  registered(): MethodName[];
}

export function createContractRegistry(logger: Logger): ContractRegistry {
  const handlers = new Map<MethodName, Handler<MethodName>>();

  const invoke = async (name: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>> => {
    if (!isMethodName(name)) {
      // Never String() an arbitrary value: an object with a poisoned toString would throw here.
      const shown = typeof name === 'string' ? name.slice(0, 64) : `(${typeof name})`;
      return fail('UNKNOWN_METHOD', `Unknown console method "${shown}".`);
    }
    const spec = methods[name];
    if (spec.roles !== 'public') {
      if (!ctx.operator) return fail('UNAUTHENTICATED', 'Sign in first.');
      if (spec.roles !== 'any' && !spec.roles.includes(ctx.operator.role)) {
        return fail('FORBIDDEN', `Role "${ctx.operator.role}" may not call ${name}.`);
      }
    }
    const parsed = parseUntrusted(spec.input, input ?? {});
    if (!parsed.success) return fail('VALIDATION_FAILED', `${name}: ${describeIssues(parsed.error.issues)}`);
    const handler = handlers.get(name);
    if (!handler) return fail('NOT_IMPLEMENTED', `${name} is not available in this build.`);
    try {
      return ok(await handler(parsed.data as never, ctx));
    } catch (err) {
      if (!(err instanceof AppError)) logger.error({ err, method: name }, 'console method failed');
      return { ok: false, error: toErrorBody(err) };
    }
  };

  return {
    handle(name, handler) {
      if (handlers.has(name)) throw new Error(`Handler for ${name} registered twice`);
      handlers.set(name, handler as unknown as Handler<MethodName>);
    },
    invoke,
    call: (name, input, ctx) => invoke(name, input, ctx) as never,
    registered: () => [...handlers.keys()]
  };
}
