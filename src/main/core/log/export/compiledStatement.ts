/**
 * A statement as SQL text plus where each parameter comes from: a named value
 * given per call (`after`, `limit`) or a literal the query was built with (the
 * filter). Plain data, so the export helper's thread can prepare it too
 * (export.worker.ts imports only this, not the query builder).
 */
export interface CompiledStatement {
  sql: string;
  bind: Array<{ name: string } | { value: unknown }>;
}

export const bindValues = (st: CompiledStatement, values: Record<string, unknown>): unknown[] =>
  st.bind.map((b) => ('name' in b ? values[b.name] : b.value));
