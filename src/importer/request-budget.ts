/**
 * A request budget per registry, shared by every import in the server (a token bucket per host):
 * imports from one registry can never together exceed its rate, however many run at once — the
 * reference limits each import separately (2 QPS) and so lets many concurrent imports multiply it.
 */
export interface RequestBudget {
  /** Resolves when a request to `registry` may be sent; reports how long it waited. */
  take(registry: string): Promise<number>;
}

export function createRequestBudget(opts: { perSecond: number; burst: number; onWait?: (registry: string, seconds: number) => void }): RequestBudget {
  const buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();
  return {
    take(registry) {
      let b = buckets.get(registry);
      if (!b) {
        b = { tokens: opts.burst, at: Date.now(), queue: Promise.resolve() };
        buckets.set(registry, b);
      }
      const bucket = b;
      // Requests for one registry are served in arrival order.
      const turn = bucket.queue.then(async () => {
        const now = Date.now();
        bucket.tokens = Math.min(opts.burst, bucket.tokens + ((now - bucket.at) / 1000) * opts.perSecond);
        bucket.at = now;
        let waited = 0;
        if (bucket.tokens < 1) {
          waited = ((1 - bucket.tokens) / opts.perSecond) * 1000;
          await new Promise((r) => setTimeout(r, waited));
          bucket.tokens = 1;
          bucket.at = Date.now();
        }
        bucket.tokens -= 1;
        if (waited > 0) opts.onWait?.(registry, waited / 1000);
        return waited / 1000;
      });
      bucket.queue = turn.then(
        () => undefined,
        () => undefined,
      );
      return turn;
    },
  };
}
