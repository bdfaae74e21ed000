import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { StoreApi, UseBoundStore } from 'zustand';

/**
 * Which dispatch store the views read. The live console reads the live store;
 * the replay mode puts its own store (the same shape, filled from the log) in
 * scope, so the map and the boards show a past moment without a second copy of
 * any view. Outside a scope every view reads the live store.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStore = UseBoundStore<StoreApi<any>>;
const DispatchScopeContext = createContext<AnyStore | null>(null);

export function DispatchScope({ store, children }: { store: AnyStore; children: ReactNode }) {
  return createElement(DispatchScopeContext.Provider, { value: store }, children);
}

/** The store in scope (the replay's, inside a replay), else `live`. */
export function useScopedStore<S>(live: UseBoundStore<StoreApi<S>>): UseBoundStore<StoreApi<S>> {
  return (useContext(DispatchScopeContext) as UseBoundStore<StoreApi<S>> | null) ?? live;
}

/**
 * The live store's hook, reading whichever store is in scope. Its statics
 * (getState, setState, subscribe) stay the live store's: code outside views
 * (pushed events, the command line) always acts on the live picture.
 */
export function scopedHook<S>(live: UseBoundStore<StoreApi<S>>): UseBoundStore<StoreApi<S>> {
  function useScoped<U>(selector?: (state: S) => U) {
    const store = useScopedStore(live);
    return selector ? store(selector) : store();
  }
  return Object.assign(useScoped, { getState: live.getState, getInitialState: live.getInitialState, setState: live.setState, subscribe: live.subscribe }) as UseBoundStore<StoreApi<S>>;
}
