import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AttachUrlSchema, FingerprintSchema, WorkstationChoiceSchema, type WorkstationChoice } from '../../shared/desktop';

/**
 * This workstation's settings, per user, in `<userData>/workstation.json`:
 * which mode it runs in (embedded: it runs the core; attached: it connects to
 * a centre's Switchboard) and whether it starts at login. Written atomically
 * (temp file + rename) so a crash mid-write keeps the old choice.
 */
export const WorkstationSettingsSchema = z.object({
  choice: WorkstationChoiceSchema,
  startAtLogin: z.boolean().default(false),
  chosenAt: z.string()
});
export type WorkstationSettings = z.infer<typeof WorkstationSettingsSchema>;

export const workstationFile = (userDataDir: string) => path.join(userDataDir, 'workstation.json');

export type LoadedSettings = { settings: WorkstationSettings | null; problem?: string };

/** A missing file means "not chosen yet"; an unreadable or invalid one too, with a reason to log. */
export function loadWorkstationSettings(file: string): LoadedSettings {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: null };
    return { settings: null, problem: `unreadable: ${(err as Error).message}` };
  }
  try {
    const parsed = WorkstationSettingsSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return { settings: parsed.data };
    return { settings: null, problem: `invalid: ${parsed.error.issues[0]?.message ?? 'fields'}` };
  } catch {
    return { settings: null, problem: 'not JSON' };
  }
}

export function saveWorkstationSettings(file: string, settings: WorkstationSettings): void {
  const valid = WorkstationSettingsSchema.parse(settings);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

export type ModeDecision =
  | { kind: 'chosen'; choice: WorkstationChoice; source: 'flag' | 'env' | 'saved' }
  | { kind: 'ask' }
  | { kind: 'invalid'; message: string };

/** Reads `--attach URL`, `--attach=URL`, `--pin FP`, `--embedded` from the command line. */
export function parseModeFlags(argv: readonly string[]): { attach?: string; pin?: string; embedded: boolean } {
  const out: { attach?: string; pin?: string; embedded: boolean } = { embedded: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--attach') out.attach = value();
    else if (name === '--pin') out.pin = value();
    else if (name === '--embedded') out.embedded = true;
  }
  return out;
}

function attachedChoice(url: string | undefined, pin: string | undefined, where: string): ModeDecision | WorkstationChoice {
  const parsedUrl = AttachUrlSchema.safeParse(url ?? '');
  if (!parsedUrl.success) return { kind: 'invalid', message: `${where}: ${parsedUrl.error.issues[0]!.message}` };
  if (pin === undefined || pin === '') return { mode: 'attached', url: parsedUrl.data };
  const parsedPin = FingerprintSchema.safeParse(pin);
  if (!parsedPin.success) return { kind: 'invalid', message: `${where}: ${parsedPin.error.issues[0]!.message}` };
  return { mode: 'attached', url: parsedUrl.data, pin: parsedPin.data };
}

const isDecision = (v: ModeDecision | WorkstationChoice): v is ModeDecision => 'kind' in v;

/**
 * Which mode this run uses: a command-line flag, then the environment
 * (`SWITCHBOARD_ATTACH_URL`, `SWITCHBOARD_ATTACH_PIN`, `SWITCHBOARD_MODE=embedded`),
 * then the saved choice; with none of them the setup screen asks.
 */
export function decideMode(argv: readonly string[], env: NodeJS.ProcessEnv, saved: WorkstationSettings | null): ModeDecision {
  const flags = parseModeFlags(argv);
  if (flags.attach !== undefined && flags.embedded) return { kind: 'invalid', message: '--attach and --embedded contradict each other: pass one.' };
  if (flags.embedded) return { kind: 'chosen', choice: { mode: 'embedded' }, source: 'flag' };
  if (flags.attach !== undefined) {
    const choice = attachedChoice(flags.attach, flags.pin ?? env.SWITCHBOARD_ATTACH_PIN, '--attach');
    return isDecision(choice) ? choice : { kind: 'chosen', choice, source: 'flag' };
  }
  if (env.SWITCHBOARD_ATTACH_URL) {
    const choice = attachedChoice(env.SWITCHBOARD_ATTACH_URL, env.SWITCHBOARD_ATTACH_PIN, 'SWITCHBOARD_ATTACH_URL');
    return isDecision(choice) ? choice : { kind: 'chosen', choice, source: 'env' };
  }
  if (env.SWITCHBOARD_MODE === 'embedded') return { kind: 'chosen', choice: { mode: 'embedded' }, source: 'env' };
  if (env.SWITCHBOARD_MODE && env.SWITCHBOARD_MODE !== 'attached') {
    return { kind: 'invalid', message: `SWITCHBOARD_MODE must be "embedded" (or set SWITCHBOARD_ATTACH_URL to attach), not "${env.SWITCHBOARD_MODE.slice(0, 40)}".` };
  }
  if (saved) return { kind: 'chosen', choice: saved.choice, source: 'saved' };
  return { kind: 'ask' };
}

/**
 * Remembers a choice. A flag or the environment is remembered only on the first
 * start (nothing saved yet): later it overrides one run without replacing what
 * an admin chose for the workstation.
 */
export function rememberChoice(file: string, previous: WorkstationSettings | null, choice: WorkstationChoice, now = new Date()): WorkstationSettings {
  const settings: WorkstationSettings = { choice, startAtLogin: previous?.startAtLogin ?? false, chosenAt: now.toISOString() };
  saveWorkstationSettings(file, settings);
  return settings;
}
