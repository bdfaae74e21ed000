/** Table types of the hospitals registry (migration 003_hub). */
export interface HospitalsTable {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
  accepting: number;
  address: string | null;
  phone: string | null;
  updated_at: string;
}

export interface HubTables {
  hospitals: HospitalsTable;
}
