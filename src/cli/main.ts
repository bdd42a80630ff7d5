/**
 * `kubectl image …` (kubectl runs `kubectl-image` found on PATH): the verbs users know from `oc`
 * for image streams, against this server. Errors print the server's message and exit non-zero.
 */
import { Command, CommanderError } from 'commander';
import { registerDescribe } from './commands/describe.js';
import { registerImageInfo } from './commands/image-info.js';
import { registerImportImage } from './commands/import-image.js';
import { registerPrune } from './commands/prune.js';
import { registerRegistry } from './commands/registry.js';
import { registerRollback } from './commands/rollback.js';
import { registerSet } from './commands/set-image-lookup.js';
import { registerTag } from './commands/tag.js';
import { explain, type GlobalOptions } from './kube.js';
import { consoleOutput } from './output.js';

export function buildProgram(): Command {
  const program = new Command('kubectl image')
    .description('Image streams from the command line: the verbs of `oc` for the OpenShift image API')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'namespace to work in (default: the context’s)')
    .showHelpAfterError()
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerImportImage(program, globals, consoleOutput);
  registerTag(program, globals, consoleOutput);
  registerDescribe(program, globals, consoleOutput);
  registerRollback(program, globals, consoleOutput);
  registerSet(program, globals, consoleOutput);
  registerRegistry(program, globals, consoleOutput);
  registerImageInfo(program, globals, consoleOutput);
  registerPrune(program, globals, consoleOutput);
  // Subcommands take the global flags too, wherever the user puts them (kubectl image -n x tag … or tag … -n x).
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.enablePositionalOptions(false);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${explain(e)}\n`);
    return 1;
  }
}
