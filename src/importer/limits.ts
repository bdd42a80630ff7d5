/**
 * What one import may cost: a deadline for all of it, the bytes it may read from registries, the
 * largest single document, how many tags a tag list may name, how many entries of a manifest list
 * it follows, and how deeply a document may nest. A registry controls everything it answers, so
 * every one of these is enforced where the bytes arrive; an import that reaches one fails the entry
 * at hand with a message naming the limit and its flag. One more bounds what is kept rather than
 * what is read: how much of a config's metadata an Image stores.
 */

export interface ImportLimits {
  /** The largest manifest, config, tag list page or token answer. */
  readonly maxDocumentBytes: number;
  /** Bytes one import may read from registries in all. */
  readonly maxBytes: number;
  /** Tags a repository import reads from a tag list. */
  readonly maxTags: number;
  /** Entries of one manifest list or index followed. */
  readonly maxManifests: number;
  /** Nesting of a manifest or config: the same bound as request bodies. */
  readonly maxDepth: number;
  /**
   * Bytes of an image config's metadata an imported Image keeps; beyond them fields are dropped
   * (metadata-limit.ts) and the import says so. Not a reason to fail: the image is still imported.
   */
  readonly maxConfigBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxDocumentBytes: 4 * 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
  maxTags: 10_000,
  maxManifests: 100,
  maxDepth: 100,
  maxConfigBytes: 512 * 1024,
};

export type ImportLimitKind = 'TooLarge' | 'Timeout' | 'Cancelled';

/** An import stopped by one of its limits (or by its caller going away): never retried. */
export class ImportLimitError extends Error {
  override readonly name = 'ImportLimitError';
  constructor(
    readonly kind: ImportLimitKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ByteBudget {
  /** Charges `n` bytes; answers the error to fail with once the budget is spent. */
  charge(n: number): ImportLimitError | undefined;
}

export function byteBudget(max: number): ByteBudget {
  let left = max;
  return {
    charge(n) {
      left -= n;
      return left < 0 ? new ImportLimitError('TooLarge', `the import read more than ${max} bytes from registries (--image-import-max-bytes)`) : undefined;
    },
  };
}

export interface ImportDeadline {
  /** Aborted with an ImportLimitError when the deadline passes or `parent` aborts. */
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * The signal every registry exchange of one import listens to. Its reason says why it ended, so
 * that a timed-out entry reports the deadline and a cancelled one is not recorded at all.
 */
export function importDeadline(ms: number, flag: string, parent?: AbortSignal): ImportDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ImportLimitError('Timeout', `the import did not finish within ${Math.round(ms / 1000)}s (${flag})`)), ms);
  timer.unref();
  const onParent = () => controller.abort(new ImportLimitError('Cancelled', 'the import was cancelled: its request ended'));
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * How deeply a JSON document nests, read without parsing it (strings skipped), so a document
 * nested thousands deep is refused before any recursive code walks it.
 */
export function jsonDepth(doc: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < doc.length; i++) {
    const c = doc[i];
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export function checkDepth(doc: Buffer, what: string, limits: ImportLimits): void {
  const depth = jsonDepth(doc);
  if (depth > limits.maxDepth) throw new ImportLimitError('TooLarge', `${what} nests ${depth} levels deep, more than the ${limits.maxDepth} allowed`);
}
