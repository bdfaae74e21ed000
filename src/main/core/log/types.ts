/**
 * The socket log's write interface, used by the hub and the bridge. Both calls
 * resolve only after the row is committed (group commit), so a caller may
 * acknowledge a device as soon as the promise resolves.
 */
export type SocketLogStatus = 'pending' | 'success' | 'failed';

export interface NewSocketLog {
  eventType: string;
  socketId: string;
  userId?: string | null;
  userRole?: string | null;
  eventData?: unknown;
  requestData?: unknown;
  responseData?: unknown;
  patientLatitude?: number | null;
  patientLongitude?: number | null;
  hospitalId?: string | null;
  hospitalName?: string | null;
  distanceKm?: number | null;
  status?: SocketLogStatus;
  errorMessage?: string | null;
  processed?: boolean;
  responseTimeMs?: number | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  sessionDuration?: number | null;
  /**
   * The sender's own id for this event (docs/hub-protocol.md): a second entry with the
   * same id from the same `userRole:userId` writes nothing and resolves with the first one's id.
   */
  clientEventId?: string | null;
}

export interface SocketLogUpdate {
  status?: SocketLogStatus;
  responseData?: unknown;
  errorMessage?: string | null;
  responseTimeMs?: number | null;
  hospitalId?: string | null;
  hospitalName?: string | null;
  distanceKm?: number | null;
  processed?: boolean;
}

export interface SocketLogWriter {
  /** `duplicate` when the entry's client event id was already recorded: `id` is then the original row's. */
  createSocketLog(entry: NewSocketLog): Promise<{ id: number; createdAt: string; duplicate?: boolean }>;
  updateSocketLog(id: number, update: SocketLogUpdate): Promise<void>;
  /** Resolves when everything queued so far is committed. */
  flush(): Promise<void>;
  /** How long the oldest unanswered write has waited, ms (0 when none). */
  lagMs?(): number;
}
