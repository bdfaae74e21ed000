/** The files run in both test modes (see clusterModeFiles.mjs). */
export declare const CLUSTER_MODE_FILES: string[];
