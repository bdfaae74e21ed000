import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installDebugHook } from './lib/debugHook';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const bench = new URLSearchParams(location.search).get('bench');

// Benchmarks feed synthetic data through the same stores and views
// (bench/console/); the console itself never loads that code.
if (bench) void import('./bench/BenchHarness').then(({ BenchHarness }) => root.render(<BenchHarness mode={bench} />));
else {
  installDebugHook();
  root.render(<App />);
}
