/**
 * A reason the server must not start (a damaged key, a database from a newer
 * version, a bad setting), carried as one sentence that says what is wrong and
 * what to do. The CLI prints the sentence alone, no stack trace, and exits
 * non-zero: the operator reading it is not a developer.
 */
export class StartupRefusal extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'StartupRefusal';
  }
}

/** By name as well as class: the CLI and the core may come from different bundles (Electron main vs CLI). */
export const isStartupRefusal = (err: unknown): err is StartupRefusal => err instanceof StartupRefusal || (err as Error | null)?.name === 'StartupRefusal';
