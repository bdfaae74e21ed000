// Preload: exposes the console contract as window.switchboard (shell step).
export {};
