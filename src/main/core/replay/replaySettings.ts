import { z } from 'zod';

/** The flight recorder's settings (the core's `replay` config; checked with the other start-up settings). */
export const ReplaySettingsSchema = z.object({
  /** How often the picture is written into the log as a keyframe (a seek replays at most this much). */
  keyframeIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  /** Longest range one `replay.events` call plays. */
  maxEventsRangeMinutes: z.number().int().min(1).max(60).default(15)
});

export type ReplaySettings = z.output<typeof ReplaySettingsSchema>;
