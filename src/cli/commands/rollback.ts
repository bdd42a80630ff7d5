/**
 * `kubectl image rollback NAME:TAG [--to-revision=N]`: points the tag back at the image of its Nth
 * history entry (1, the one before the current, by default), as `oc tag NAME@sha256:… NAME:TAG`
 * would. The rollback is itself a new history entry, so it can be rolled back too.
 */
import type { Command } from 'commander';
import { CliError, connect, getStream, updateStream, type GlobalOptions } from '../kube.js';
import type { Output } from '../output.js';
import { parseStreamRef } from './tag.js';

export function registerRollback(program: Command, globals: () => GlobalOptions, out: Output): void {
  program
    .command('rollback')
    .argument('<tag>', 'the tag to roll back: [namespace/]stream:tag')
    .description('Point a tag back at an image it pointed at before (its history entry N)')
    .option('--to-revision <n>', 'history entry to go back to: 1 is the previous image', '1')
    .addHelpText('after', '\nExamples:\n  kubectl image rollback app:prod\n  kubectl image rollback app:prod --to-revision=3')
    .action(async (ref: string, o: { toRevision: string }) => {
      const k = connect(globals());
      const r = parseStreamRef(ref, k.namespace);
      if (!r.tag) throw new CliError(`error: ${ref} names no tag (stream:tag)`);
      const n = Number(o.toRevision);
      if (!Number.isInteger(n) || n < 1) throw new CliError(`error: --to-revision must be a positive integer, not ${JSON.stringify(o.toRevision)}`);
      const stream = await getStream(k, r.stream, r.namespace);
      if (!stream) throw new CliError(`Error from server (NotFound): imagestreams.image.openshift.io "${r.stream}" not found`);
      const items = stream.status?.tags?.find((t) => t.tag === r.tag)?.items ?? [];
      const target = items[n]?.image;
      if (!target) throw new CliError(`error: ${r.stream}:${r.tag} has ${Math.max(0, items.length - 1)} earlier revisions; there is no revision ${n}`);
      await updateStream(
        k,
        r.stream,
        (s) => {
          s.spec ??= {};
          const tags = (s.spec.tags ??= []);
          const i = tags.findIndex((t) => t.name === r.tag);
          const from = { kind: 'ImageStreamImage', name: `${r.stream}@${target}`, namespace: r.namespace };
          if (i >= 0) tags[i] = { ...tags[i], name: r.tag ?? '', from };
          else tags.push({ name: r.tag ?? '', from } as (typeof tags)[number]);
        },
        r.namespace,
      );
      out.print(`Rolled back ${r.stream}:${r.tag} to revision ${n} (${target}).`);
    });
}
