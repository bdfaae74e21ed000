import type { z } from 'zod';
import type { OperatorRole } from '../roles';

/**
 * A console request: its input and output schemas and who may call it.
 * `roles: 'public'` means callable before sign-in (only sign-in itself and the
 * health probe); `'any'` means any signed-in operator.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  roles: 'public' | 'any' | readonly OperatorRole[];
  summary: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>): MethodSpec<I, O> =>
  spec;

/** A pushed event: its payload schema and which operator roles receive it. */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  payload: P;
  roles: 'any' | readonly OperatorRole[];
  summary: string;
}

export const event = <P extends z.ZodType>(spec: EventSpec<P>): EventSpec<P> => spec;

export type MethodMap = Record<string, MethodSpec>;
export type EventMap = Record<string, EventSpec>;
