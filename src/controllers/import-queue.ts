/**
 * The import controllers' work queue. A stream waits here at most once (a later reason to look at it
 * joins the waiting entry), is never worked on by two workers at once, and is handed out only while
 * every registry its tags name is below its share of the workers: a registry that answers slowly can
 * hold at most that share, and streams from other registries keep moving past it.
 */

export interface QueuedImport {
  readonly key: string;
  /** Re-import scheduled tags too, not only tags whose spec is ahead of their status. */
  readonly force: boolean;
  readonly registries: readonly string[];
}

export class ImportQueue {
  private readonly pending = new Map<string, QueuedImport>();
  private readonly running = new Set<string>();
  private readonly busyRegistries = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private closed = false;

  /** `share`: how many workers one registry may occupy at once. */
  constructor(private readonly share: number) {}

  get size(): number {
    return this.pending.size;
  }

  add(key: string, force: boolean, registries: readonly string[]): void {
    const waiting = this.pending.get(key);
    this.pending.set(key, { key, force: force || (waiting?.force ?? false), registries: [...new Set([...(waiting?.registries ?? []), ...registries])] });
    this.wakeAll();
  }

  /** The next import a worker may run now; waits for one. Undefined once the queue is closed. */
  async take(): Promise<QueuedImport | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const next = this.pick();
      if (next) {
        this.pending.delete(next.key);
        this.running.add(next.key);
        for (const r of next.registries) this.busyRegistries.set(r, (this.busyRegistries.get(r) ?? 0) + 1);
        return next;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** A worker finished `item`: its stream and registries are free again. */
  done(item: QueuedImport): void {
    this.running.delete(item.key);
    for (const r of item.registries) {
      const left = (this.busyRegistries.get(r) ?? 1) - 1;
      if (left > 0) this.busyRegistries.set(r, left);
      else this.busyRegistries.delete(r);
    }
    this.wakeAll();
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private pick(): QueuedImport | undefined {
    for (const item of this.pending.values()) {
      if (this.running.has(item.key)) continue;
      if (item.registries.every((r) => (this.busyRegistries.get(r) ?? 0) < this.share)) return item;
    }
    return undefined;
  }

  /** Every waiting worker looks again: what one of them cannot take, another may. */
  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
