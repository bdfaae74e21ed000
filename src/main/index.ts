// Electron entry: written in the shell step (window, IPC, lifecycle).
export {};
