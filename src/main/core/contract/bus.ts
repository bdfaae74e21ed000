import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../../shared/contract';

export interface PushedEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

/**
 * The core's pushed events, typed by the contract. Transports subscribe with
 * `onAny` and forward to consoles; domains subscribe to what they need.
 */
export interface EventBus {
  publish<E extends EventName>(event: E, payload: EventPayload<E>): void;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  onAny(listener: (event: PushedEvent) => void): () => void;
}

export function createEventBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(event, payload) {
      emitter.emit(event, payload);
      emitter.emit('*', { event, payload });
    },
    on(event, listener) {
      emitter.on(event, listener as (p: unknown) => void);
      return () => emitter.off(event, listener as (p: unknown) => void);
    },
    onAny(listener) {
      emitter.on('*', listener);
      return () => emitter.off('*', listener);
    }
  };
}
