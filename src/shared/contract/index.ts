import type { z } from 'zod';
import type { EventMap, MethodMap } from './define';
import { adminMethods } from './admin';
import { alertEvents, alertMethods } from './alerts';
import { bridgeEvents, bridgeMethods } from './bridge';
import { dispatchEvents, dispatchMethods } from './dispatch';
import { hubEvents, hubMethods } from './hub';
import { logEvents, logMethods } from './log';
import { systemEvents, systemMethods } from './system';
import { replayMethods } from './replay';

/**
 * Everything the console asks of the core, in one map. Each domain contributes
 * its own file here; transports (IPC, the console namespace) and the renderer's
 * api module are generic over this map.
 */
export const methods = {
  ...systemMethods,
  ...alertMethods,
  ...logMethods,
  ...hubMethods,
  ...dispatchMethods,
  ...bridgeMethods,
  ...adminMethods,
  ...replayMethods
} satisfies MethodMap;

export const events = {
  ...systemEvents,
  ...alertEvents,
  ...logEvents,
  ...hubEvents,
  ...dispatchEvents,
  ...bridgeEvents
} satisfies EventMap;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Events = typeof events;
export type EventName = keyof Events;

export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export const isMethodName = (name: unknown): name is MethodName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);

/** IPC channel names: one for requests, one for pushed events. */
export const IPC_CALL_CHANNEL = 'switchboard:call';
export const IPC_EVENT_CHANNEL = 'switchboard:event';
/** Socket.IO namespace the browser console uses. */
export const CONSOLE_NAMESPACE = '/console';

export * from './define';
