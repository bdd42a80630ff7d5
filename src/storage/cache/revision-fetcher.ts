/**
 * The store's current revision for consistent reads from the cache, fetched with as few requests
 * as possible without giving up linearizability: a read that arrives while a fetch is in flight
 * waits for the next fetch (the one in flight may have been answered before the read began, and
 * so miss a write acknowledged just before it), and every read that arrives meanwhile shares it.
 */
export class RevisionFetcher {
  private inflight: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  constructor(private readonly fetch: () => Promise<number>) {}

  current(): Promise<number> {
    if (!this.inflight) {
      this.inflight = this.start();
      return this.inflight;
    }
    // Started after the one in flight ends; shared by everyone who arrives until then.
    this.next ??= this.inflight.then(
      () => this.promote(),
      () => this.promote(),
    );
    return this.next;
  }

  private start(): Promise<number> {
    const p = this.fetch();
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private promote(): Promise<number> {
    this.next = undefined;
    this.inflight = this.start();
    return this.inflight;
  }
}
