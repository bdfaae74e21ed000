// Runs the `switchboard` CLI from source (tests spawn this with tsx, so they
// need no build): `tsx test/helpers/runCli.ts <command> [flags]`.
import { main } from '../../src/main/cli/index';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
