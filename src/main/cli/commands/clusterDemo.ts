import { startClusterDemo } from '../../clusterDemo/clusterDemo';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';

export const clusterDemoCommand: CliCommand = {
  name: 'cluster-demo',
  summary: 'Start a 3-node cluster on this machine (PostgreSQL, Redis, HAProxy, CAD simulator, devices) to watch failover.',
  usage: 'switchboard cluster-demo [--nodes 3] [--port 8780] [--host 127.0.0.1]',
  async run(argv) {
    const v = parseFlags(argv, { nodes: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } });
    const nodes = v.nodes === undefined ? 3 : Number(v.nodes);
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > 9) throw new UsageError('--nodes must be 2-9 (failover needs a second node).');
    const port = v.port === undefined ? 8780 : Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535.');
    process.stdout.write('Starting PostgreSQL, Redis, the CAD simulator, the nodes and HAProxy (all throwaway, in a temp folder)...\n');
    const demo = await startClusterDemo({ nodes, port, host: v.host ?? '127.0.0.1', progress: (line) => process.stdout.write(`  ${line}\n`) });
    const victim = demo.nodes[0]!;
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(130);
        stopping = true;
        process.stderr.write('\nstopping the nodes, HAProxy, Redis and PostgreSQL...\n');
        void demo.close().then(() => resolve(0));
      };
      // Signal handlers before the ready lines (see serve).
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.stdout.write(
        [
          '',
          `Switchboard console: ${demo.url}   (through HAProxy)`,
          `Demo credentials: username ${demo.username} password ${demo.password}`,
          '',
          'Nodes:',
          ...demo.nodes.map((n) => `  ${n.name.padEnd(8)} pid ${String(n.pid).padEnd(8)} ${n.url}`),
          '',
          'See failover for yourself: open the console, then kill a node, e.g.',
          `  kill -9 ${victim.pid}        # ${victim.name}`,
          'Its devices and consoles reconnect through HAProxy to another node within seconds; the map keeps moving.',
          `The nodes' health: ${demo.url}/api/v1/cluster (signed in).  The log checks out with:`,
          `  SWITCHBOARD_LOG_SECRET=${demo.logSecret} switchboard verify --postgres-url ${demo.postgresUrl}`,
          'Press Ctrl-C to stop everything.',
          ''
        ].join('\n')
      );
    });
  }
};
