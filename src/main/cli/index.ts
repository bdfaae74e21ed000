import { UsageError } from './args';
import { isStartupRefusal } from '../core/startupRefusal';
import type { CliCommand } from './command';
import { cadSimCommand } from './commands/cadSim';
import { certCommand } from './commands/cert';
import { clusterDemoCommand } from './commands/clusterDemo';
import { demoCommand } from './commands/demo';
import { serveCommand } from './commands/serve';
import { tokenCommand } from './commands/token';
import { userCommand } from './commands/user';
import { exportCommand } from './commands/export';
import { retentionCommand } from './commands/retention';
import { verifyCommand } from './commands/verify';
import { checkCommand } from './commands/check';
import { migrateCommand } from './commands/migrate';
import { incidentReportCommand, replayCommand } from './commands/replay';

/** Every `switchboard` sub-command; each lives in its own file under commands/. */
const COMMANDS: CliCommand[] = [serveCommand, demoCommand, tokenCommand, userCommand, cadSimCommand, exportCommand, verifyCommand, checkCommand, retentionCommand, certCommand, migrateCommand, replayCommand, incidentReportCommand, clusterDemoCommand];

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: switchboard <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "switchboard <command> --help" for its flags.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`switchboard ${name}: ${err.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (isStartupRefusal(err)) {
      // One sentence for the operator: what is wrong and what to do, no stack trace.
      process.stderr.write(`switchboard ${name}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`switchboard ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    }
  );
}
