/**
 * `kubectl image prune images`: what `oc adm prune images` does. A dry run by default: it prints
 * the history entries, Images and bytes that would go. With --confirm it trims each tag's history
 * (each stream rewritten with its resourceVersion, so a concurrent import or push wins and the
 * trim is retried on what it wrote), deletes the Images no stream references any more — checked
 * again on a fresh list right before, so one referenced meanwhile is kept — and asks the
 * integrated registry to collect the blobs nothing references. Running it again after an
 * interruption continues where it stopped: the plan is made from what is there now.
 */
import type { Command } from 'commander';
import { request } from 'node:https';
import { planPrune } from '../../apis/image/prune-plan.js';
import { applyPrune } from '../../prune/apply.js';
import type { GarbageCollection, PruneBackend, WriteOutcome } from '../../prune/backend.js';
import type { Image, ImageStream } from '../../apis/image/schema.js';
import { bytes, shortDigest, table } from '../format.js';
import { CliError, connect, GROUP, isConflict, isNotFound, VERSION, type GlobalOptions, type Kube } from '../kube.js';
import type { Output } from '../output.js';

interface PruneOptions {
  keepTagRevisions: string;
  keepYoungerThan: string;
  all?: boolean;
  confirm?: boolean;
}

/** `60m`, `1h30m`, `2d`, `90s`: durations as oc takes them (d for days added). */
export function parseAge(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let used = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    used += m[0].length;
  }
  if (used === 0 || used !== s.length) throw new CliError(`error: ${JSON.stringify(s)} is not a duration (e.g. 60m, 1h30m, 7d)`);
  return total;
}

async function listAll<T>(k: Kube, plural: string): Promise<T[]> {
  const res = (await k.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as { items: T[] };
  return res.items;
}

/** How a conditional write through the API ended, as the applier wants to know it. */
async function outcome(write: () => Promise<unknown>): Promise<WriteOutcome> {
  try {
    await write();
    return 'done';
  } catch (e) {
    if (isConflict(e)) return 'conflict';
    if (isNotFound(e)) return 'gone';
    throw e;
  }
}

async function collectGarbage(k: Kube): Promise<GarbageCollection> {
  const url = new URL('/admin/registry/garbage-collect', k.server);
  const opts: Parameters<typeof request>[1] = { method: 'POST', headers: {} };
  await k.config.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          let message = text;
          try {
            message = (JSON.parse(text) as { errors?: { message: string }[] }).errors?.[0]?.message ?? text;
          } catch {
            // not JSON: printed as it came
          }
          reject(new CliError(`error: the registry refused to collect garbage (HTTP ${res.statusCode}): ${message}`));
          return;
        }
        resolve(JSON.parse(text) as GarbageCollection);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The pruning backend over the API: the same applier the server's scheduled pruning runs, through HTTP. */
function httpBackend(k: Kube): PruneBackend {
  return {
    listStreams: () => listAll<ImageStream>(k, 'imagestreams'),
    listImages: () => listAll<Image>(k, 'images'),
    async getStream(namespace, name) {
      try {
        return (await k.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'imagestreams', name })) as ImageStream;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    updateStreamStatus: (stream) =>
      outcome(() =>
        k.api.replaceNamespacedCustomObjectStatus({
          group: GROUP,
          version: VERSION,
          namespace: stream.metadata.namespace ?? '',
          plural: 'imagestreams',
          name: stream.metadata.name ?? '',
          body: stream,
        }),
      ),
    deleteImage: (name, resourceVersion) =>
      outcome(() =>
        k.api.deleteClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'images',
          name,
          ...(resourceVersion ? { body: { preconditions: { resourceVersion } } } : {}),
        }),
      ),
    garbageCollect: () => collectGarbage(k),
  };
}

export function registerPrune(program: Command, globals: () => GlobalOptions, out: Output): void {
  const prune = program.command('prune').description('Remove what nothing needs any more');
  prune
    .command('images')
    .description('Trim tag history, delete unreferenced images and their blobs (a dry run unless --confirm)')
    .option('--keep-tag-revisions <n>', 'newest history entries of each tag that are always kept', '3')
    .option('--keep-younger-than <age>', 'history entries and images younger than this are kept', '60m')
    .option('--all', 'also prune images the integrated registry does not manage (imported ones)')
    .option('--confirm', 'really remove; without it nothing changes')
    .addHelpText('after', '\nExamples:\n  kubectl image prune images\n  kubectl image prune images --keep-tag-revisions=5 --keep-younger-than=24h --confirm')
    .action(async (o: PruneOptions) => {
      const k = connect(globals());
      const keep = Number(o.keepTagRevisions);
      if (!Number.isInteger(keep) || keep < 0)
        throw new CliError(`error: --keep-tag-revisions must be a non-negative integer, not ${JSON.stringify(o.keepTagRevisions)}`);
      const opts = { keepTagRevisions: keep, keepYoungerThanMs: parseAge(o.keepYoungerThan), all: o.all === true, now: new Date() };
      const [streams, images] = await Promise.all([listAll<ImageStream>(k, 'imagestreams'), listAll<Image>(k, 'images')]);
      const plan = planPrune(streams, images, opts);
      const entries = plan.trims.reduce((n, t) => n + t.remove.length, 0);
      if (!o.confirm) {
        out.print(`Dry run: add --confirm to remove what is listed.\n`);
        if (plan.trims.length)
          out.print(
            table(
              ['NAMESPACE', 'STREAM', 'TAG', 'HISTORY ENTRIES'],
              plan.trims.map((t) => [t.namespace, t.stream, t.tag, String(t.remove.length)]),
            ),
          );
        if (plan.images.length)
          out.print(
            `\n${table(
              ['IMAGE', 'FREES'],
              plan.images.map((i) => [shortDigest(i.name), bytes(i.size)]),
            )}`,
          );
        out.print(`\nWould remove ${entries} history entries and ${plan.images.length} images, freeing ${bytes(plan.bytes)} (${plan.blobs.length} blobs).`);
        return;
      }
      const report = await applyPrune(plan, httpBackend(k));
      const kept = report.keptImages.map((i) => `${shortDigest(i.name)} (${i.reason})`);
      out.print(`Removed ${report.trimmed.length} history entries and deleted ${report.deletedImages.length} images.`);
      if (kept.length) out.print(`Kept ${kept.length} images: ${kept.join(', ')}.`);
      if (report.trimsGivenUp.length)
        out.print(`Left for a later run (others kept writing them): ${report.trimsGivenUp.map((t) => `${t.namespace}/${t.stream}`).join(', ')}.`);
      out.print(`Deleted ${report.blobsDeleted} blobs, freeing ${bytes(report.bytesFreed)}.`);
    });
}
