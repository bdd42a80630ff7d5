/**
 * The import controllers, level-driven and restart-safe because they only compare spec with status:
 * - a DockerImage spec tag (not `reference`) whose generation is ahead of what status has observed
 *   for it is imported (so creating or changing a tag imports it; setting generation 0 re-imports);
 * - tags with `importPolicy.scheduled: true` are re-imported every interval, within a per-minute
 *   budget, spread over time; a digest tag only until its first success.
 * Imports go through the ImageStreamImport handler, with the stream's resourceVersion as a
 * precondition: a stream changed meanwhile is simply looked at again.
 */
import type { Logger } from 'pino';
import { isApiError } from '../api/errors.js';
import type { RequestContext } from '../api/strategy.js';
import type { ResourceHandler } from '../apiserver/generic/handler.js';
import type { ResourceStore } from '../apiserver/generic/resource-store.js';
import type { ImageStream, TagReference } from '../apis/image/schema.js';
import { statusTag } from '../apis/image/tag-events.js';
import type { ImageStreamImport } from '../apis/image/virtual-schemas.js';
import { dockerClientDefaults, parseDockerImageReference } from '../apis/image/reference.js';
import { ImportQueue } from './import-queue.js';

export interface ImportControllerOptions {
  readonly streams: ResourceStore<ImageStream>;
  readonly imports: ResourceHandler<ImageStreamImport>;
  readonly logger: Logger;
  readonly systemContext: () => RequestContext;
  readonly scheduledIntervalMs: number;
  readonly scheduledPerMinute: number;
  /** Imports running at once; one registry may occupy half of them. */
  readonly workers?: number;
  readonly onQueueDepth?: (depth: number) => void;
  /** Records what an import did to a stream: a tag that moved (Normal), an entry that failed (Warning). */
  readonly recordEvent?: (stream: ImageStream, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
}

function importable(tag: TagReference): boolean {
  return tag.from?.kind === 'DockerImage' && Boolean(tag.from.name) && !tag.reference;
}

/** The newest generation status has observed for a tag: its newest event, or an import failure. */
function observedGeneration(stream: ImageStream, tag: string): number {
  const list = statusTag(stream, tag);
  let g = list?.items?.[0]?.generation ?? -1;
  for (const c of list?.conditions ?? []) if (c.type === 'ImportSuccess' && c.generation > g) g = c.generation;
  return g;
}

/** The registries a stream's importable tags name (what an import of it will contact). */
export function registriesOf(stream: ImageStream): string[] {
  const registries = new Set<string>();
  for (const t of stream.spec?.tags ?? []) {
    if (!importable(t)) continue;
    try {
      registries.add(dockerClientDefaults(parseDockerImageReference(t.from?.name ?? '')).registry);
    } catch {
      // An unparsable reference fails in the import itself, without contacting anyone.
    }
  }
  return [...registries];
}

export function tagsNeedingImport(stream: ImageStream): TagReference[] {
  return (stream.spec?.tags ?? []).filter((t) => importable(t) && typeof t.generation === 'number' && t.generation > observedGeneration(stream, t.name));
}

function isDigestReference(name: string): boolean {
  return /@sha256:[0-9a-f]{64}$/.test(name);
}

export function scheduledTags(stream: ImageStream): TagReference[] {
  return (stream.spec?.tags ?? []).filter((t) => {
    if (!importable(t) || !t.importPolicy?.scheduled) return false;
    // A digest never moves: once imported it needs no more checks.
    return !(isDigestReference(t.from?.name ?? '') && (statusTag(stream, t.name)?.items?.length ?? 0) > 0);
  });
}

/** How often the scheduler looks for due tags: a quarter of the interval, between 250 ms and 15 s. */
export function scheduleTickMs(intervalMs: number): number {
  return Math.max(250, Math.min(intervalMs / 4, 15_000));
}

/**
 * Of the streams with scheduled tags (`keys`, `namespace/name`), those to check upstream on this
 * tick: not checked within the interval, at most the per-minute budget's share of one tick, so that
 * checks spread evenly over the minute instead of arriving in one burst. Marks them checked `now`.
 */
export function dueForCheck(keys: Iterable<string>, lastChecked: Map<string, number>, now: number, o: { intervalMs: number; perMinute: number }): string[] {
  const budget = Math.max(1, Math.round((o.perMinute * scheduleTickMs(o.intervalMs)) / 60_000));
  const due: string[] = [];
  for (const key of keys) {
    if (due.length >= budget) break;
    if (now - (lastChecked.get(key) ?? Number.NEGATIVE_INFINITY) < o.intervalMs) continue;
    lastChecked.set(key, now);
    due.push(key);
  }
  return due;
}

const DEFAULT_WORKERS = 4;

export class ImageImportController {
  private readonly abort = new AbortController();
  private readonly queue: ImportQueue;
  private scheduler: NodeJS.Timeout | undefined;
  /** What each stream's tags last named, for scheduled checks enqueued without the stream at hand. */
  private readonly registries = new Map<string, readonly string[]>();
  private readonly lastScheduled = new Map<string, number>();
  /**
   * Streams with scheduled tags, kept from the watch: the scheduler never lists every stream (at
   * 10,000 streams with long histories a list per tick cost seconds and a gigabyte of memory).
   */
  private readonly scheduled = new Set<string>();

  constructor(private readonly o: ImportControllerOptions) {
    this.queue = new ImportQueue(Math.max(1, Math.floor((o.workers ?? DEFAULT_WORKERS) / 2)));
  }

  start(): void {
    void this.follow();
    for (let i = 0; i < (this.o.workers ?? DEFAULT_WORKERS); i++) void this.work();
    const tick = scheduleTickMs(this.o.scheduledIntervalMs);
    this.scheduler = setInterval(() => void this.schedule().catch((err: unknown) => this.o.logger.warn({ err }, 'scheduled import scan failed')), tick);
    this.scheduler.unref();
  }

  stop(): void {
    this.abort.abort();
    if (this.scheduler) clearInterval(this.scheduler);
    this.queue.close();
  }

  private enqueue(key: string, force: boolean): void {
    this.queue.add(key, force, this.registries.get(key) ?? []);
    this.o.onQueueDepth?.(this.queue.size);
  }

  /** Watches every stream; any change is a reason to look at it again. */
  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const ev of this.o.streams.watch(this.o.systemContext(), { resourceVersion: '0' }, this.abort.signal)) {
          if (ev.type === 'BOOKMARK') continue;
          const key = `${ev.object.metadata.namespace ?? ''}/${ev.object.metadata.name ?? ''}`;
          if (ev.type === 'DELETED' || scheduledTags(ev.object).length === 0) this.scheduled.delete(key);
          else this.scheduled.add(key);
          if (ev.type === 'DELETED') {
            this.registries.delete(key);
            continue;
          }
          this.registries.set(key, registriesOf(ev.object));
          if (tagsNeedingImport(ev.object).length > 0) this.enqueue(key, false);
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.o.logger.warn({ err }, 'image stream watch for imports ended; relisting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Scheduled tags due for a check, at most scheduledPerMinute per minute (spread by the tick). */
  private async schedule(): Promise<void> {
    const due = dueForCheck(this.scheduled, this.lastScheduled, Date.now(), { intervalMs: this.o.scheduledIntervalMs, perMinute: this.o.scheduledPerMinute });
    for (const key of due) this.enqueue(key, true);
  }

  private async work(): Promise<void> {
    for (;;) {
      const item = await this.queue.take();
      if (!item) return;
      this.o.onQueueDepth?.(this.queue.size);
      try {
        await this.sync(item.key, item.force);
      } catch (err) {
        if (isApiError(err, 'Conflict')) this.enqueue(item.key, item.force);
        else if (!this.abort.signal.aborted) this.o.logger.warn({ err, stream: item.key }, 'import failed');
      } finally {
        this.queue.done(item);
      }
    }
  }

  private async sync(key: string, force: boolean): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const found = await this.o.streams.getRaw(namespace, name);
    if (!found) {
      // Deleted while the watch was being re-established: nothing to schedule any more.
      this.scheduled.delete(key);
      return;
    }
    const stream = found.obj;
    const tags = force ? [...new Map([...tagsNeedingImport(stream), ...scheduledTags(stream)].map((t) => [t.name, t])).values()] : tagsNeedingImport(stream);
    if (tags.length === 0 || !this.o.imports.create) return;
    const isi: ImageStreamImport = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name, namespace, resourceVersion: stream.metadata.resourceVersion ?? '' },
      spec: {
        import: true,
        images: tags.map((t) => ({
          from: { kind: 'DockerImage', name: t.from?.name ?? '' },
          to: { name: t.name },
          ...(t.importPolicy ? { importPolicy: t.importPolicy } : {}),
          ...(t.referencePolicy ? { referencePolicy: t.referencePolicy } : {}),
        })),
      },
    };
    const done = await this.o.imports.create({ ...this.o.systemContext(), namespace, signal: this.abort.signal }, isi, {
      dryRun: false,
      fieldValidation: 'Ignore',
    });
    if ('spec' in done) await this.recordOutcome(stream, isi, done);
  }

  /** Events for `kubectl describe is`: each tag the import moved, each entry that failed. */
  private async recordOutcome(before: ImageStream, request: ImageStreamImport, done: ImageStreamImport): Promise<void> {
    const record = this.o.recordEvent;
    if (!record) return;
    // The stream as the import left it (the handler answers the stored object).
    const after = (done.status?.import as ImageStream | undefined) ?? before;
    for (const [i, spec] of (request.spec.images ?? []).entries()) {
      const tag = spec.to?.name ?? '';
      const status = done.status?.images?.[i]?.status as { status?: string; message?: string } | undefined;
      if (status?.status === 'Failure') {
        await record(after, 'Warning', 'ImportFailed', `importing ${spec.from.name ?? ''} into tag ${tag}: ${status.message ?? 'failed'}`);
        continue;
      }
      const was = statusTag(before, tag)?.items?.[0];
      const now = statusTag(after, tag)?.items?.[0];
      if (now?.image && now.image !== was?.image) await record(after, 'Normal', 'TagUpdated', `tag ${tag} now points at ${now.dockerImageReference}`);
    }
  }
}
