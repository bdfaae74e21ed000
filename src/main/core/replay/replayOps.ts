import type Sqlite from 'better-sqlite3';
import type { LogKeys } from '../log/store/chain';
import { buildIncidentReport } from './incidentReport';
import { createReplayEngine } from './replayEngine';
import { timelineMarks } from './timeline';

/** One read of the past, as the replay thread takes it (plain data: it crosses threads). */
export type ReplayRequest =
  | { id: number; op: 'at'; at: number }
  | { id: number; op: 'changes'; from: number; to: number }
  | { id: number; op: 'timeline'; from: number; to: number }
  | { id: number; op: 'report'; incidentId: string; actor: string };

/** The replay's reads over one connection, by request; the same code runs on the thread or inline. */
export function createReplayOps(sqlite: Sqlite.Database, keys: LogKeys) {
  const engine = createReplayEngine(sqlite, keys.mac);
  return {
    engine,
    run(request: ReplayRequest): unknown {
      switch (request.op) {
        case 'at':
          return engine.at(request.at).picture;
        case 'changes':
          return engine.changes(request.from, request.to);
        case 'timeline':
          return timelineMarks(sqlite, request.from, request.to);
        case 'report':
          return buildIncidentReport(engine, keys, request.incidentId, request.actor);
      }
    }
  };
}
