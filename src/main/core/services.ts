/**
 * The services domains offer each other (the log writer, the hub, the bridge,
 * dispatch state). Each domain adds its member by declaration merging in its
 * own folder, so no shared file changes when a domain grows:
 *
 *   declare module '../services' { interface CoreServices { log: SocketLog } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CoreServices {}
