import { describe, expect, it } from 'vitest';
import { fromWire, toWire } from '../../../src/main/core/log/write/groupCommit';
import { normalizeEntry } from '../../../src/main/core/log/write/normalize';
import { createSecretScrubber } from '../../../src/main/core/logger';

describe('ops on their way to the commit thread', () => {
  it('carry an insert as an array and give back every column of the row, in place', () => {
    const row = normalizeEntry(
      {
        eventType: 'ambulance_request',
        socketId: 's-1',
        userId: 'patient-1',
        userRole: 'patient',
        eventData: { a: 1 },
        requestData: { b: 'two' },
        responseData: { c: [3] },
        patientLatitude: 40.7,
        patientLongitude: -74,
        hospitalId: 'H1',
        hospitalName: 'General',
        distanceKm: 2.5,
        status: 'failed',
        errorMessage: 'no bed',
        processed: true,
        responseTimeMs: 1200,
        ipAddress: '10.0.0.7',
        userAgent: 'tablet/1',
        sessionDuration: 42
      },
      createSecretScrubber([]),
      1_700_000_000_000
    );
    row.processed_at = 1_700_000_000_999; // distinct from created_at, so a swap would show
    const wire = structuredClone(toWire({ kind: 'insert', row }));
    expect(Array.isArray(wire)).toBe(true);
    const back = fromWire(wire);
    expect(back).toEqual({ kind: 'insert', row });
    // Every column is distinct here, so a swapped position would fail the comparison above.
    expect(new Set(Object.values(row).map(String)).size).toBe(Object.keys(row).length);
  });

  it('leave updates and access records as they are', () => {
    const update = { kind: 'update' as const, id: 3, update: { status: 'success' as const } };
    expect(fromWire(structuredClone(toWire(update)))).toEqual(update);
  });
});
