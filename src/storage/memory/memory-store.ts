/**
 * An in-memory Store: the reference semantics of the interface in the fewest lines, and the fast
 * backend for unit tests of the layers above. Keeps every revision of every key until compaction,
 * like the log-structured backends.
 */
import { StorageError, type KeyValue, type ListOptions, type ListResult, type StorageEvent, type Store } from '../store.js';

interface Revision {
  kv: KeyValue;
  deleted: boolean;
}

interface Subscriber {
  prefix: string;
  push(ev: StorageEvent): void;
}

export class MemoryStore implements Store {
  private revision = 0;
  private compacted = 0;
  /** Every write in revision order (the log). */
  private log: { rev: number; event: StorageEvent }[] = [];
  /** key → its revisions, oldest first. */
  private readonly keys = new Map<string, Revision[]>();
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly watchBufferSize = 10_000) {}

  private latest(key: string, atRevision?: number): Revision | undefined {
    const revs = this.keys.get(key);
    if (!revs) return undefined;
    for (let i = revs.length - 1; i >= 0; i--) {
      const r = revs[i] as Revision;
      if (atRevision === undefined || r.kv.modRevision <= atRevision) return r;
    }
    return undefined;
  }

  private checkRevision(rev: number | undefined): number | undefined {
    if (!rev) return undefined;
    if (rev < this.compacted) throw new StorageError('Compacted', '', `revision ${rev} has been compacted`, undefined, rev);
    if (rev > this.revision) throw new StorageError('FutureRevision', '', `revision ${rev} is in the future`, undefined, rev);
    return rev;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    const r = this.latest(key, this.checkRevision(opts?.revision));
    return r && !r.deleted ? r.kv : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const at = this.checkRevision(opts.revision) ?? this.revision;
    const live = [...this.keys.keys()]
      .filter((k) => k.startsWith(prefix) && (opts.after === undefined || k > opts.after))
      .sort()
      .map((k) => this.latest(k, at))
      .filter((r): r is Revision => r !== undefined && !r.deleted)
      .map((r) => r.kv);
    const limit = opts.limit ?? 0;
    if (limit > 0 && live.length > limit) {
      return { items: live.slice(0, limit), revision: at, more: true, remaining: live.length - limit };
    }
    return { items: live, revision: at, more: false };
  }

  async count(prefix: string): Promise<number> {
    return (await this.list(prefix)).items.length;
  }

  private append(key: string, kv: KeyValue, deleted: boolean, event: StorageEvent): void {
    const revs = this.keys.get(key) ?? [];
    revs.push({ kv, deleted });
    this.keys.set(key, revs);
    this.log.push({ rev: kv.modRevision, event });
    for (const s of this.subscribers) if (key.startsWith(s.prefix)) s.push(event);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const cur = this.latest(key);
    if (cur && !cur.deleted) throw new StorageError('KeyExists', key, `key ${key} already exists`, cur.kv);
    const rev = ++this.revision;
    const kv = { key, value, createRevision: rev, modRevision: rev };
    this.append(key, kv, false, { type: 'put', kv });
    return kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new StorageError('NotFound', key, `key ${key} not found`);
    if (cur.kv.modRevision !== expectedRevision) throw new StorageError('Conflict', key, `key ${key} has moved`, cur.kv);
    const kv = { key, value, createRevision: cur.kv.createRevision, modRevision: ++this.revision };
    this.append(key, kv, false, { type: 'put', kv, prev: cur.kv });
    return kv;
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new StorageError('NotFound', key, `key ${key} not found`);
    if (expectedRevision !== undefined && cur.kv.modRevision !== expectedRevision) throw new StorageError('Conflict', key, `key ${key} has moved`, cur.kv);
    const kv = { ...cur.kv, modRevision: ++this.revision };
    this.append(key, kv, true, { type: 'delete', kv, prev: cur.kv });
    return kv;
  }

  async *watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    if (afterRevision < this.compacted) throw new StorageError('Compacted', prefix, `revision ${afterRevision} has been compacted`, undefined, afterRevision);
    const queue: StorageEvent[] = [];
    let wake: (() => void) | undefined;
    let dropped = false;
    const sub: Subscriber = {
      prefix,
      push: (ev) => {
        if (queue.length >= this.watchBufferSize) dropped = true;
        else queue.push(ev);
        wake?.();
      },
    };
    // Subscribe before replaying history; the revision filter below removes any overlap.
    this.subscribers.add(sub);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let last = afterRevision;
      for (const { rev, event } of this.log) {
        if (rev > afterRevision && event.kv.key.startsWith(prefix)) {
          last = rev;
          yield event;
        }
      }
      while (!signal.aborted) {
        if (dropped) throw new StorageError('Unavailable', prefix, 'watcher fell too far behind and was dropped');
        const ev = queue.shift();
        if (ev) {
          if (ev.kv.modRevision > last) {
            last = ev.kv.modRevision;
            yield ev;
          }
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, this.revision);
    this.log = this.log.filter((e) => e.rev > target);
    for (const [key, revs] of this.keys) {
      // keep the newest revision at or below the target (the live value then), and everything after
      let keepFrom = 0;
      for (let i = 0; i < revs.length; i++) if ((revs[i] as Revision).kv.modRevision <= target) keepFrom = i;
      const kept = revs.slice(keepFrom);
      if (kept.length === 1 && kept[0]?.deleted) this.keys.delete(key);
      else this.keys.set(key, kept);
    }
    this.compacted = target;
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
