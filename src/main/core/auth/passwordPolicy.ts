import { AppError } from '../errors';

/**
 * The commonest passwords of public breach corpora that are long enough to pass
 * a length check (the short ones fail it anyway), plus the product's own name:
 * guessing tools try these first.
 */
const COMMON = new Set([
  'password123', 'password1234', 'password12345', 'password!', 'password01', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123',
  '1234567890', '12345678910', '123456789012', '0987654321', '1q2w3e4r5t', '1q2w3e4r5t6y', 'qwertyuiop', 'qwerty1234',
  'qwerty12345', 'qwerty123456', '1qaz2wsx3edc', 'zaq12wsxcde3', 'asdfghjkl1', 'asdfghjkl;', 'iloveyou123', 'abc1234567',
  'abcdefghij', 'abcd123456', 'welcome123', 'welcome1234', 'letmein123', 'sunshine123', 'football123', 'baseball123',
  'princess123', 'monkey12345', 'dragon12345', 'michael123', 'superman123', 'trustno1234', 'changeme123', 'administrator',
  'admin12345', 'admin123456', 'adminadmin', 'rootroot12', 'master12345', 'starwars123', 'whatever123', 'computer123',
  'internet123', 'secret12345', 'default123', 'password2024', 'password2025', 'password2026', 'summer2024!', 'winter2024!',
  'switchboard', 'switchboard1', 'switchboard123', 'switchboard-demo', 'dispatcher1', 'dispatcher123', 'emergency911',
  'ambulance123', 'hospital123', 'paramedic123'
]);

export interface PasswordPolicy {
  minLength: number;
  /** Extra refused passwords a centre adds (its own name, its street...), compared case-insensitively. */
  refused?: readonly string[];
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 10 };

/** Throws VALIDATION_FAILED with a sentence the person choosing the password can act on. */
export function assertPasswordAllowed(password: string, username: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): void {
  if (password.length < policy.minLength) throw new AppError('VALIDATION_FAILED', `Password must be at least ${policy.minLength} characters.`);
  if (password.length > 256) throw new AppError('VALIDATION_FAILED', 'Password must be at most 256 characters.');
  const lower = password.toLowerCase();
  if (new Set(lower).size <= 2) throw new AppError('VALIDATION_FAILED', 'Password is one or two characters repeated: choose a phrase of several words.');
  if (COMMON.has(lower) || policy.refused?.some((r) => r.toLowerCase() === lower)) {
    throw new AppError('VALIDATION_FAILED', 'Password is one of the commonest passwords and is guessed first: choose a phrase of several words.');
  }
  if (lower.includes(username.toLowerCase()) && username.length >= 3) throw new AppError('VALIDATION_FAILED', 'Password must not contain the username.');
}
