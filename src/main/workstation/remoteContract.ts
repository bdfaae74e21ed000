import { events, isEventName, isMethodName, methods } from '../../shared/contract';
import { OperatorSessionSchema } from '../../shared/contract/system';
import { fail, type Result } from '../../shared/result';
import { createEventBus, type EventBus } from '../core/contract/bus';
import type { CallContext, ContractRegistry } from '../core/contract/registry';
import type { ShellLog } from '../window/shellLog';
import type { AttachedLink } from './attachedLink';

const SESSION_METHODS = new Set(['auth.signIn', 'auth.resume', 'auth.renew']);

/**
 * The attached mode's stand-in for the core's registry and bus, so the one
 * guarded IPC registrar (ipc/consoleIpc.ts) serves an attached workstation
 * unchanged: trusted sender, method name and input parsed here against the
 * contract before anything travels, then the centre parses and role-checks
 * again. Calls go through the console link, so while the link is not up they
 * are refused at once ("NOT sent") and never queued.
 */
export function remoteContract(attached: AttachedLink, log: ShellLog): { api: Pick<ContractRegistry, 'invoke'>; bus: EventBus; close(): void } {
  const bus = createEventBus();
  const offEvents = attached.onEvent((name, payload) => {
    if (!isEventName(name)) return;
    const parsed = events[name].payload.safeParse(payload);
    if (!parsed.success) {
      log.warn({ event: name }, 'attached link: malformed event from the centre dropped');
      return;
    }
    bus.publish(name, parsed.data as never);
  });

  async function invoke(method: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>> {
    if (!isMethodName(method)) return fail('UNKNOWN_METHOD', `Unknown console method "${typeof method === 'string' ? method.slice(0, 64) : typeof method}".`);
    const parsedInput = methods[method].input.safeParse(input);
    if (!parsedInput.success) {
      const issue = parsedInput.error.issues[0];
      return fail('VALIDATION_FAILED', `${method}: ${issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'invalid input'}.`);
    }
    const result = await attached.link.call(method, input);
    if (!result.ok) return result;
    if (SESSION_METHODS.has(method)) {
      const session = OperatorSessionSchema.safeParse(result.value);
      if (session.success) {
        attached.keepToken(session.data.token);
        ctx.setSession?.({ username: session.data.username, role: session.data.role });
      }
    } else if (method === 'auth.signOut') {
      attached.keepToken(null);
      ctx.setSession?.(null);
    }
    return result;
  }

  return { api: { invoke }, bus, close: offEvents };
}
