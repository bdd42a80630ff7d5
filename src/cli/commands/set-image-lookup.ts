/** `kubectl image set image-lookup NAME…`: whether pods may name the streams' tags as images (spec.lookupPolicy.local). */
import type { Command } from 'commander';
import { connect, updateStream, type GlobalOptions } from '../kube.js';
import type { Output } from '../output.js';

export function registerSet(program: Command, globals: () => GlobalOptions, out: Output): void {
  const set = program.command('set').description('Change settings of image streams');
  set
    .command('image-lookup')
    .argument('<names...>', 'image streams')
    .description('Let workloads in the namespace refer to the streams’ tags by name (lookupPolicy.local)')
    .option('--enabled <bool>', 'true to turn lookup on, false to turn it off', 'true')
    .addHelpText('after', '\nExamples:\n  kubectl image set image-lookup ruby\n  kubectl image set image-lookup ruby --enabled=false')
    .action(async (names: string[], o: { enabled: string }) => {
      const k = connect(globals());
      const enabled = !['false', '0', 'no'].includes(o.enabled.toLowerCase());
      for (const name of names) {
        await updateStream(k, name, (s) => {
          s.spec ??= {};
          s.spec.lookupPolicy = { local: enabled };
        });
        out.print(`imagestream.image.openshift.io/${name} image lookup ${enabled ? 'enabled' : 'disabled'}`);
      }
    });
}
