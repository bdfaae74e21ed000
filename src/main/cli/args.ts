import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

/** Strict flag parsing: an unknown or malformed flag is a usage error, not a guess. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads all of stdin (passwords for `user add`), trimming one trailing newline. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError('Pipe the password on standard input, e.g.  printf %s "$PW" | switchboard user add ...');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
