import { AppError } from '../errors';

export interface ThrottleSettings {
  /** Failures allowed before delays start. */
  freeFailures: number;
  /** Failures (per account, or per address times `addressFactor`) that lock out for `lockoutSeconds`. */
  lockoutAfterFailures: number;
  lockoutSeconds: number;
  /** An address tries many accounts: its limit is this many times the account limit. */
  addressFactor: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { freeFailures: 3, lockoutAfterFailures: 10, lockoutSeconds: 15 * 60, addressFactor: 3 };

interface Record {
  failures: number;
  /** Epoch ms before which the next attempt is refused without checking the password. */
  blockedUntil: number;
  locked: boolean;
  lastFailure: number;
}

export type ThrottleVerdict = { kind: 'delay' | 'lockout'; key: 'account' | 'address'; retryAfterSeconds: number };

/**
 * Sign-in throttling per account and per client address: after a few free
 * failures each one doubles the wait before the next attempt is even checked
 * (1 s, 2 s, 4 s...), and past the limit the account or address is locked out
 * for a while, until then or until an admin clears it. A refused attempt does
 * not run the password hash, so hammering costs the server nothing.
 */
export function createSignInThrottle(settings: ThrottleSettings = DEFAULT_THROTTLE, now: () => number = Date.now) {
  const accounts = new Map<string, Record>();
  const addresses = new Map<string, Record>();
  const factor = (key: 'account' | 'address') => (key === 'address' ? settings.addressFactor : 1);
  const limit = (key: 'account' | 'address') => settings.lockoutAfterFailures * factor(key);
  const free = (key: 'account' | 'address') => settings.freeFailures * factor(key);
  const prune = (map: Map<string, Record>) => {
    if (map.size < 50_000) return;
    for (const [k, r] of map) if (r.blockedUntil < now()) map.delete(k);
  };

  const check = (map: Map<string, Record>, id: string, key: 'account' | 'address') => {
    const r = map.get(id);
    if (!r) return;
    if (r.blockedUntil > now()) {
      const retryAfterSeconds = Math.ceil((r.blockedUntil - now()) / 1000);
      throw Object.assign(
        new AppError('RATE_LIMITED', r.locked ? `Too many failed sign-ins: this ${key} is locked for ${retryAfterSeconds} s, or until an admin clears it.` : `Too many failed sign-ins: wait ${retryAfterSeconds} s before trying again.`),
        { verdict: { kind: r.locked ? 'lockout' : 'delay', key, retryAfterSeconds } satisfies ThrottleVerdict }
      );
    }
    // A lockout that ran out starts the count afresh.
    if (r.locked) map.delete(id);
  };

  const fail = (map: Map<string, Record>, id: string, key: 'account' | 'address'): ThrottleVerdict | null => {
    prune(map);
    const r = map.get(id) ?? { failures: 0, blockedUntil: 0, locked: false, lastFailure: 0 };
    // Failures a day apart are not a guessing run.
    if (now() - r.lastFailure > 24 * 3600_000) r.failures = 0;
    r.failures += 1;
    r.lastFailure = now();
    map.set(id, r);
    if (r.failures >= limit(key)) {
      r.locked = true;
      r.blockedUntil = now() + settings.lockoutSeconds * 1000;
      return { kind: 'lockout', key, retryAfterSeconds: settings.lockoutSeconds };
    }
    if (r.failures > free(key)) {
      const seconds = Math.min(2 ** (r.failures - free(key) - 1), settings.lockoutSeconds);
      r.blockedUntil = now() + seconds * 1000;
      return { kind: 'delay', key, retryAfterSeconds: seconds };
    }
    return null;
  };

  return {
    /** Throws RATE_LIMITED (with the wait) when this attempt may not even be checked. */
    before(account: string, address: string): void {
      check(accounts, account.toLowerCase(), 'account');
      check(addresses, address, 'address');
    },
    /** Counts a failure; returns the delay or lockout it caused, if any. */
    failed(account: string, address: string): ThrottleVerdict[] {
      return [fail(accounts, account.toLowerCase(), 'account'), fail(addresses, address, 'address')].filter((v): v is ThrottleVerdict => v !== null);
    },
    succeeded(account: string): void {
      accounts.delete(account.toLowerCase());
    },
    /** An admin clears an account's (or address's) lockout; true when there was one. */
    clear(accountOrAddress: string): boolean {
      return accounts.delete(accountOrAddress.toLowerCase()) || addresses.delete(accountOrAddress);
    },
    locked(): Array<{ key: 'account' | 'address'; id: string; until: string; failures: number }> {
      const out: Array<{ key: 'account' | 'address'; id: string; until: string; failures: number }> = [];
      for (const [key, map] of [['account', accounts], ['address', addresses]] as const) {
        for (const [id, r] of map) if (r.locked && r.blockedUntil > now()) out.push({ key, id, until: new Date(r.blockedUntil).toISOString(), failures: r.failures });
      }
      return out;
    }
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
