// Electron entry: owns the app lifecycle, the console window and IPC only.
// Everything the console does runs in the Electron-free core (./core), which
// `switchboard serve` starts the same way without Electron.
import { startShell } from './window/appShell';

startShell();
