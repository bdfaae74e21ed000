/** Table types of the hospitals domain (migration 003_hub, named for where it lived when it was written). */
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

export interface HospitalsTables {
  hospitals: HospitalsTable;
}
