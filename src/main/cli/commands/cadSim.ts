import { createCadSimulator } from '../../cadsim/cadSimulator';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';

const positive = (name: string, value: string | undefined, fallback: number, integer = false): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a ${integer ? 'whole ' : ''}number >= 0.`);
  return n;
};

export const cadSimCommand: CliCommand = {
  name: 'cad-sim',
  summary: 'Run a simulated CAD backend (Socket.IO) for development, demos and tests.',
  usage:
    'switchboard cad-sim [--port 3000] [--host 127.0.0.1] [--token TOKEN | SWITCHBOARD_CAD_TOKEN] [--units 12] [--incidents-per-minute 2] [--time-scale 5] [--tick-ms 1000] [--seed 42] [--no-auto-dispatch]',
  async run(argv) {
    const v = parseFlags(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      units: { type: 'string' },
      'incidents-per-minute': { type: 'string' },
      'time-scale': { type: 'string' },
      'tick-ms': { type: 'string' },
      seed: { type: 'string' },
      'no-auto-dispatch': { type: 'boolean' }
    });
    const token = v.token ?? process.env.SWITCHBOARD_CAD_TOKEN;
    if (!token || token.length < 8) throw new UsageError('Give the bridge token with --token or SWITCHBOARD_CAD_TOKEN (8+ characters).');
    const sim = await createCadSimulator({
      token,
      port: positive('port', v.port, 3000, true),
      host: v.host ?? '127.0.0.1',
      units: positive('units', v.units, 12, true),
      incidentsPerMinute: positive('incidents-per-minute', v['incidents-per-minute'], 2),
      timeScale: positive('time-scale', v['time-scale'], 5),
      tickMs: positive('tick-ms', v['tick-ms'], 1000, true),
      seed: positive('seed', v.seed, 42, true),
      metricsEveryTicks: 10,
      autoDispatch: !v['no-auto-dispatch']
    });
    return new Promise<number>((resolve) => {
      const stop = () => {
        process.stderr.write('\nstopping the CAD simulator...\n');
        void sim.close().then(() => resolve(0));
      };
      // Signal handlers before the ready lines (see serve).
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stdout.write(`CAD simulator listening on ${sim.url} (epoch ${sim.state.epoch}, ${sim.state.units.size} units)\n`);
      process.stdout.write(`Point Switchboard at it: SWITCHBOARD_CAD_URL=${sim.url} and the same token.\n`);
    });
  }
};
