/**
 * Writes a watch as newline-delimited JSON events on a chunked 200 response, as kube-apiserver
 * does: one `{"type":…,"object":…}` per line, flushed as it happens; BOOKMARK events when asked;
 * an ERROR event carrying a Status (410 Expired for a compacted resource version) and then the end.
 * The stream ends on timeoutSeconds, client disconnect or server shutdown, always cleanly.
 */
import type { ServerResponse } from 'node:http';
import type { Status } from '../../api/errors.js';
import type { WatchSink } from '../generic/watch-sink.js';
import { lineOutput, sharedLine, type SharedLine } from './line-output.js';
import { toStatus } from './to-status.js';

export interface WatchStreamOptions<T> {
  readonly res: ServerResponse;
  readonly contentType: string;
  /** Produces the watch's events into the stream's sink until it ends (resolves) or fails (rejects). */
  readonly produce: (sink: WatchSink<T>) => Promise<void>;
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

/**
 * Bytes a watcher may leave unread before live events stop being written to it and its watch ends
 * (the client re-watches). Event lines are shared by all watchers, so a backlog mostly holds
 * references to buffers that exist anyway.
 */
const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

const OBJECT_END_NEWLINE = Buffer.from('}\n');

/**
 * The watch line of an event around its object's shared encoding, made once for every watcher of
 * the event (the encoding is one Buffer for all of them) instead of once per watcher.
 */
const LINES = new WeakMap<Buffer, { type: string; shared: SharedLine }>();
function eventLine(type: string, object: Buffer): SharedLine {
  const made = LINES.get(object);
  if (made?.type === type) return made.shared;
  const shared = sharedLine([Buffer.from(`{"type":"${type}","object":`), object, OBJECT_END_NEWLINE]);
  LINES.set(object, { type, shared });
  return shared;
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

  const output = lineOutput(res);
  const out = output.stream;
  // Read for every event of every watcher: a plain flag, not the signal's getter.
  let stopped = abort.signal.aborted;
  const open = () => !stopped && !out.destroyed && !res.writableEnded;
  /** Writes one line; a string gets its newline here, a shared line already ends with it. */
  const writeLine = (line: string | SharedLine): void => {
    if (open()) output.write(typeof line === 'string' ? `${line}\n` : line);
  };
  const bookmark = (revision: number, initialEventsEnd = false) =>
    writeLine(
      JSON.stringify({
        type: 'BOOKMARK',
        object: {
          kind: o.bookmarkType.kind,
          apiVersion: o.bookmarkType.apiVersion,
          metadata: {
            resourceVersion: String(revision),
            ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
          },
        },
      }),
    );
  const ticker = o.allowBookmarks
    ? setInterval(() => {
        if (lastRevision > 0) bookmark(lastRevision);
      }, o.bookmarkIntervalMs)
    : undefined;

  // Called in the producer's own turn, for a live event once per watcher: no promise, no await.
  const sink: WatchSink<T> = {
    event(ev) {
      if (ev.revision > lastRevision) lastRevision = ev.revision;
      if (ev.type === 'BOOKMARK') {
        if (o.allowBookmarks) bookmark(ev.revision, ev.initialEventsEnd);
        return;
      }
      // The same line JSON.stringify({ type, object }) makes, around an object encoded once for all watchers.
      const object = o.encode(ev.object);
      writeLine(typeof object === 'string' ? `{"type":"${ev.type}","object":${object}}` : eventLine(ev.type, object));
    },
    get saturated() {
      return open() && out.writableNeedDrain;
    },
    get overwhelmed() {
      return !open() || (out.writableNeedDrain && out.writableLength > MAX_BACKLOG_BYTES);
    },
    drained: () =>
      new Promise<void>((resolve) => {
        if (!sink.saturated) return resolve();
        const done = () => {
          out.off('drain', done);
          abort.signal.removeEventListener('abort', done);
          resolve();
        };
        out.on('drain', done);
        abort.signal.addEventListener('abort', done, { once: true });
      }),
  };

  // The stream ends when the producer does or when it is aborted, whichever comes first.
  let stopWaiting: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    stopWaiting = resolve;
  });
  abort.signal.addEventListener(
    'abort',
    () => {
      stopped = true;
      stopWaiting?.();
    },
    { once: true },
  );
  if (stopped) stopWaiting?.();
  const produced = o.produce(sink);
  try {
    await Promise.race([produced, aborted]);
  } catch (err) {
    const { status, unexpected } = toStatus(err);
    if (unexpected) o.onUnexpectedError(err);
    writeLine(JSON.stringify({ type: 'ERROR', object: status satisfies Status }));
  } finally {
    // A producer that fails after the stream ended has nobody left to tell.
    produced.catch(() => undefined);
    clearTimeout(timeout);
    if (ticker) clearInterval(ticker);
    res.off('close', closed);
    // Ends the producer's store watch, which releases its subscription.
    abort.abort();
    if (!res.writableEnded) res.end();
  }
}
