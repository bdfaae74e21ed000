/**
 * What the hub offers other domains (the bridge relays CAD traffic through it,
 * the alert center and log thresholds publish through it).
 */
export interface HubPublisher {
  /**
   * Sends one message to a room; it reaches the room's Socket.IO, WebSocket and
   * SSE subscribers alike. `room` uses the hierarchical names of src/shared/rooms.ts.
   */
  publish(room: string, event: string, data: unknown): void;
}
