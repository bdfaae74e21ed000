export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code; long-running commands resolve when they stop. */
  run(argv: string[]): Promise<number>;
}
