import pino, { type Logger } from 'pino';
import type { Writable } from 'node:stream';

export type { Logger };

/** Keys whose values are secrets wherever they appear in a log object. */
const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.*.token',
  '*.*.authorization',
  'req.headers.authorization',
  'req.headers.cookie'
];

export interface SecretScrubber {
  add(secret: string | undefined): void;
  scrub(text: string): string;
}

/**
 * Known secret values (JWT key, CAD token, …) are also scrubbed from the text of
 * every line, because a secret can hide inside a message string or an error that
 * path-based redaction never sees.
 */
export function createSecretScrubber(initial: readonly (string | undefined)[] = []): SecretScrubber {
  const secrets = new Set<string>();
  const scrubber: SecretScrubber = {
    add(secret) {
      // Very short values would scrub ordinary words; real secrets are long.
      if (secret && secret.length >= 8) secrets.add(secret);
    },
    scrub(text) {
      let out = text;
      for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
      return out;
    }
  };
  initial.forEach((s) => scrubber.add(s));
  return scrubber;
}

export interface LoggerOptions {
  level: string;
  scrubber: SecretScrubber;
  destination?: Writable;
}

export function createLogger({ level, scrubber, destination }: LoggerOptions): Logger {
  const out = destination ?? process.stdout;
  const stream = {
    write(line: string) {
      out.write(scrubber.scrub(line));
    }
  };
  return pino(
    {
      level,
      base: { app: 'switchboard' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime
    },
    stream
  );
}
