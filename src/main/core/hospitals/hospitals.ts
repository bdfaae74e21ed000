import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Hospital } from '../../../shared/contract/hub';
import { HospitalUpdateSchema } from '../../../shared/contract/hub';
import type { DatabaseSchema } from '../db/schema';
import { AppError, describeIssues } from '../errors';
import { haversineKm as haversineDegreesKm } from '../../../shared/geo';
import seedHospitals from '../../../../resources/hospitals.json';

export const HospitalSeedSchema = z.array(
  z.object({
    id: z.string().min(1).max(128),
    name: z.string().min(1).max(200),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    accepting: z.boolean().default(true),
    address: z.string().max(300).nullable().optional(),
    phone: z.string().max(40).nullable().optional()
  })
);
export type HospitalSeed = z.input<typeof HospitalSeedSchema>[number];

/** Great-circle distance in kilometres between two `{latitude, longitude}` points (hospitals, patients). */
export function haversineKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  return haversineDegreesKm(a.latitude, a.longitude, b.latitude, b.longitude);
}

/** Hospitals ordered by distance from a point, nearest first. */
export function byDistance(hospitals: readonly Hospital[], from: { latitude: number; longitude: number }) {
  return hospitals
    .map((hospital) => ({ hospital, distanceKm: haversineKm(from, hospital) }))
    .sort((a, b) => a.distanceKm - b.distanceKm);
}

export interface HospitalRegistry {
  list(): Hospital[];
  get(id: string): Hospital | undefined;
  update(id: string, patch: z.input<typeof HospitalUpdateSchema>): Promise<Hospital>;
  create(input: HospitalSeed): Promise<Hospital>;
  /** Nearest hospital accepting requests, skipping `exclude`; null when none is left. */
  nearestAccepting(from: { latitude: number; longitude: number }, exclude?: ReadonlySet<string>): { hospital: Hospital; distanceKm: number } | null;
  onChange(listener: (hospital: Hospital) => void): () => void;
  /** Re-reads the table (cluster mode: another node changed a hospital); listeners hear of each hospital that changed. */
  reload(): Promise<void>;
}

const toHospital = (row: DatabaseSchema['hospitals']): Hospital => ({
  id: row.id,
  name: row.name,
  latitude: row.latitude,
  longitude: row.longitude,
  accepting: row.accepting === 1,
  address: row.address,
  phone: row.phone,
  updated_at: row.updated_at
});

/** Reads the seed: the configured file when given, else the bundled resources/hospitals.json. */
export function readHospitalSeed(file?: string): z.output<typeof HospitalSeedSchema> {
  const raw: unknown = file ? JSON.parse(fs.readFileSync(file, 'utf8')) : seedHospitals;
  const parsed = HospitalSeedSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Hospitals seed ${file ?? 'resources/hospitals.json'} is invalid: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * The hospitals registry: persisted in SQLite, cached in memory because the
 * ambulance flow reads it on every request, seeded once when empty.
 */
export async function createHospitalRegistry(db: Kysely<DatabaseSchema>, seedFile?: string, options: { announce?(id: string): void } = {}): Promise<HospitalRegistry> {
  const cache = new Map<string, Hospital>();
  const listeners = new Set<(hospital: Hospital) => void>();
  let rows = await db.selectFrom('hospitals').selectAll().execute();
  if (rows.length === 0) {
    const now = new Date().toISOString();
    const seed = readHospitalSeed(seedFile);
    if (seed.length) {
      await db
        .insertInto('hospitals')
        .values(seed.map((h) => ({ ...h, accepting: h.accepting ? 1 : 0, address: h.address ?? null, phone: h.phone ?? null, updated_at: now })))
        // Cluster nodes starting together on an empty table: the first seed wins, the others add nothing.
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    rows = await db.selectFrom('hospitals').selectAll().execute();
  }
  for (const row of rows) cache.set(row.id, toHospital(row));
  const heard = (hospital: Hospital) => listeners.forEach((fn) => fn(hospital));
  const changed = (hospital: Hospital) => {
    heard(hospital);
    options.announce?.(hospital.id);
  };

  return {
    list: () => [...cache.values()].sort((a, b) => a.id.localeCompare(b.id)),
    get: (id) => cache.get(id),
    async update(id, patch) {
      const current = cache.get(id);
      if (!current) throw new AppError('NOT_FOUND', `No hospital with id ${id}.`);
      const parsed = HospitalUpdateSchema.parse(patch);
      const next: Hospital = {
        ...current,
        ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
        updated_at: new Date().toISOString()
      };
      await db
        .updateTable('hospitals')
        .set({
          name: next.name,
          latitude: next.latitude,
          longitude: next.longitude,
          accepting: next.accepting ? 1 : 0,
          address: next.address,
          phone: next.phone,
          updated_at: next.updated_at
        })
        .where('id', '=', id)
        .execute();
      cache.set(id, next);
      changed(next);
      return next;
    },
    async create(input) {
      const [parsed] = HospitalSeedSchema.parse([input]);
      if (!parsed) throw new AppError('VALIDATION_FAILED', 'Hospital is required.');
      if (cache.has(parsed.id)) throw new AppError('CONFLICT', `Hospital ${parsed.id} already exists.`);
      const hospital: Hospital = {
        id: parsed.id,
        name: parsed.name,
        latitude: parsed.latitude,
        longitude: parsed.longitude,
        accepting: parsed.accepting,
        address: parsed.address ?? null,
        phone: parsed.phone ?? null,
        updated_at: new Date().toISOString()
      };
      await db.insertInto('hospitals').values({ ...hospital, accepting: hospital.accepting ? 1 : 0 }).execute();
      cache.set(hospital.id, hospital);
      changed(hospital);
      return hospital;
    },
    nearestAccepting(from, exclude) {
      const candidates = [...cache.values()].filter((h) => h.accepting && !exclude?.has(h.id));
      return byDistance(candidates, from)[0] ?? null;
    },
    async reload() {
      for (const row of await db.selectFrom('hospitals').selectAll().execute()) {
        const hospital = toHospital(row);
        if (JSON.stringify(cache.get(hospital.id)) === JSON.stringify(hospital)) continue;
        cache.set(hospital.id, hospital);
        heard(hospital);
      }
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }
  };
}
