import { prewarm } from 'maplibre-gl';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installDebugHook } from './lib/debugHook';
import { desktop } from './lib/desktop';
import { WorkstationSetup } from './features/workstation/WorkstationSetup';
import './styles.css';

performance.mark('switchboard:boot');
const root = createRoot(document.getElementById('root')!);
const bench = new URLSearchParams(location.search).get('bench');

// Benchmarks feed synthetic data through the same stores and views
// (bench/console/); the console itself never loads that code.
if (bench) void import('./bench/BenchHarness').then(({ BenchHarness }) => root.render(<BenchHarness mode={bench} />));
// The desktop app's first start asks how this workstation runs before anything connects.
else if (location.hash === '#/setup' && desktop.available()) root.render(<WorkstationSetup />);
else {
  // A workstation resuming its session goes straight to the map: start the map's
  // worker while the session is being resumed rather than after.
  if (sessionStorage.getItem('switchboard.session')) prewarm();
  installDebugHook();
  root.render(<App />);
}
