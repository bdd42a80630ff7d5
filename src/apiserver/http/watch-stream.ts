/**
 * Writes a watch as newline-delimited JSON events on a chunked 200 response, as kube-apiserver
 * does: one `{"type":…,"object":…}` per line, flushed as it happens; BOOKMARK events when asked;
 * an ERROR event carrying a Status (410 Expired for a compacted resource version) and then the end.
 * The stream ends on timeoutSeconds, client disconnect or server shutdown, always cleanly.
 */
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Status } from '../../api/errors.js';
import type { WatchEvent } from '../generic/resource-store.js';
import { toStatus } from './to-status.js';

export interface WatchStreamOptions<T> {
  readonly res: ServerResponse;
  readonly contentType: string;
  readonly events: AsyncIterable<WatchEvent<T>>;
  /** The JSON of an ADDED/MODIFIED/DELETED event's object as the client asked for it (raw or a Table). */
  readonly encode: (obj: T) => string | Buffer;
  /** `{apiVersion, kind}` for bookmark objects. */
  readonly bookmarkType: { apiVersion: string; kind: string };
  readonly allowBookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs: number;
  /** Aborting ends the stream (client gone, timeout, shutdown). */
  readonly abort: AbortController;
  readonly onUnexpectedError: (err: unknown) => void;
}

type Next<T> = IteratorResult<WatchEvent<T>>;

const OBJECT_END_NEWLINE = Buffer.from('}\n');

/**
 * The watch line of an event around its object's shared encoding, made once for every watcher of
 * the event (the encoding is one Buffer for all of them) instead of once per watcher.
 */
const LINES = new WeakMap<Buffer, { type: string; line: Buffer }>();
function eventLine(type: string, object: Buffer): Buffer {
  const made = LINES.get(object);
  if (made?.type === type) return made.line;
  const line = Buffer.concat([Buffer.from(`{"type":"${type}","object":`), object, OBJECT_END_NEWLINE]);
  LINES.set(object, { type, line });
  return line;
}

export async function streamWatch<T>(o: WatchStreamOptions<T>): Promise<void> {
  const { res, abort } = o;
  res.writeHead(200, {
    'Content-Type': o.contentType,
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const closed = () => abort.abort();
  res.on('close', closed);
  const timeout = setTimeout(() => abort.abort(), o.timeoutMs);
  let lastRevision = 0;
  let ticker: NodeJS.Timeout | undefined;
  let tick: (() => void) | undefined;
  if (o.allowBookmarks) {
    ticker = setInterval(() => tick?.(), o.bookmarkIntervalMs);
  }

  const write = (line: unknown) => writeLine(JSON.stringify(line));
  /** Writes one line; a string gets its newline here, a buffer already ends with it. */
  const writeLine = async (line: string | Buffer): Promise<void> => {
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(typeof line === 'string' ? `${line}\n` : line)) {
      await Promise.race([once(res, 'drain'), once(abort.signal as unknown as NodeJS.EventEmitter, 'abort')]).catch(() => undefined);
    }
  };
  const bookmark = (revision: number, initialEventsEnd = false) =>
    write({
      type: 'BOOKMARK',
      object: {
        kind: o.bookmarkType.kind,
        apiVersion: o.bookmarkType.apiVersion,
        metadata: {
          resourceVersion: String(revision),
          ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      },
    });

  const iterator = o.events[Symbol.asyncIterator]();
  // One waker for the three things a watch waits on (its next event, a bookmark tick, the end): a
  // Promise.race per event would add a reaction to the long-lived abort promise every time, which
  // grows until the watch ends and, times thousands of watchers, keeps the collector busy.
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  abort.signal.addEventListener('abort', poke, { once: true });
  let ticks = 0;
  tick = () => {
    ticks++;
    poke();
  };
  let waiting = false;
  let ready: Next<T> | undefined;
  let failure: { error: unknown } | undefined;
  try {
    for (;;) {
      if (abort.signal.aborted) break;
      if (!waiting && !ready && !failure) {
        waiting = true;
        iterator.next().then(
          (r) => {
            ready = r;
            waiting = false;
            poke();
          },
          (error: unknown) => {
            failure = { error };
            waiting = false;
            poke();
          },
        );
      }
      if (ready) {
        const r = ready;
        ready = undefined;
        if (r.done) break;
        const ev = r.value;
        lastRevision = Math.max(lastRevision, ev.revision);
        if (ev.type === 'BOOKMARK') {
          if (o.allowBookmarks) await bookmark(ev.revision, ev.initialEventsEnd);
          continue;
        }
        // The same line JSON.stringify({ type, object }) makes, around an object encoded once for all watchers.
        const object = o.encode(ev.object);
        await writeLine(typeof object === 'string' ? `{"type":"${ev.type}","object":${object}}` : eventLine(ev.type, object));
        continue;
      }
      if (failure) throw failure.error;
      if (ticks > 0) {
        ticks = 0;
        if (lastRevision > 0) await bookmark(lastRevision);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } catch (err) {
    const { status, unexpected } = toStatus(err);
    if (unexpected) o.onUnexpectedError(err);
    await write({ type: 'ERROR', object: status satisfies Status });
  } finally {
    clearTimeout(timeout);
    abort.signal.removeEventListener('abort', poke);
    if (ticker) clearInterval(ticker);
    res.off('close', closed);
    abort.abort();
    // Let the storage watch release its subscription.
    void iterator.return?.(undefined)?.catch(() => undefined);
    if (!res.writableEnded) res.end();
  }
}
