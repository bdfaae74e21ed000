import type { AlertCenter } from './alerts/alertCenter';
import type { DeviceRegistry } from './auth/deviceRegistry';
import type { OperatorStore } from './auth/operators';
import type { RevocationStore } from './auth/revocations';
import type { SignInThrottle } from './auth/signInThrottle';
import type { TokenService } from './auth/tokens';
import type { CoreConfig } from './config';
import type { EventBus } from './contract/bus';
import type { ContractRegistry } from './contract/registry';
import type { ClusterState } from './cluster/clusterState';
import type { Database } from './db/database';
import type { SecurityConfig } from './http/securityConfig';
import type { HttpServer } from './http/server';
import type { Logger, SecretScrubber } from './logger';
import type { MetricsRegistry } from './metrics/registry';

/**
 * What every domain gets when it starts: the shared pieces createCore builds
 * before any domain. A domain's start function takes this plus, as a second
 * argument, the services of the domains it needs (so the order is checked by
 * the compiler) and returns its own service.
 */
export interface CoreContext {
  config: CoreConfig;
  security: SecurityConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  database: Database;
  /** Cluster mode only: the state the nodes share in PostgreSQL (hospitals, ambulance requests and the watchdog use it). */
  clusterState?: ClusterState;
  tokens: TokenService;
  revocations: RevocationStore;
  /** Sign-in throttling and lockouts (admins clear them). */
  throttle: SignInThrottle;
  /** Issued device tokens and when each was last seen. */
  devices: DeviceRegistry;
  operators: OperatorStore;
  api: ContractRegistry;
  bus: EventBus;
  alerts: AlertCenter;
  http: HttpServer;
  /** The core's one metrics registry (GET /metrics): each domain registers its own metrics on it when it starts. */
  metrics: MetricsRegistry;
  startedAt: Date;
  /** Identifies this start of the core; consoles reload their picture when it changes. */
  bootId: string;
  /** Registers cleanup, run in reverse order on close. */
  onClose(fn: () => Promise<void> | void): void;
}
