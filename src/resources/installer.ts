/**
 * How the served kinds come together. Each kind is a folder under resources/ with one
 * `definition.ts`: what it is (its ResourceInfo: names, scope, verbs, selectable fields,
 * subresources, schema) and `install`, which creates its store and handlers. The server installs the
 * definitions in the order of one list (server/resources.ts); a kind may use what a kind listed
 * before it provides (`need`), never what comes after: asking for it fails at start-up, naming both.
 *
 * What a kind provides to others is declared beside it, by augmenting `Services` from its own
 * definition file, so this file knows no kind.
 */
import type { Logger } from 'pino';
import type { ResourceInfo } from '../api/resource-info.js';
import type { KubeObject } from '../api/meta.js';
import type { RequestContext, Strategy } from '../api/strategy.js';
import type { ResourceHandler } from '../apiserver/generic/handler.js';
import { ResourceStore, type NamespacePhase, type ResourceStoreOptions } from '../apiserver/generic/resource-store.js';
import { trackManagedFields } from '../apiserver/generic/track-managed-fields.js';
import type { EncodedObjectCache } from '../apiserver/generic/encoded-cache.js';
import type { Store } from '../storage/store.js';
import type { ImportLimits } from '../importer/limits.js';
import type { NetworkPolicy } from '../importer/address-guard.js';
import type { ImportMetrics } from '../importer/metrics.js';

/** What kinds provide to the kinds listed after them; each provider declares its entry beside itself. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from each definition.
export interface Services {}

export interface ResourceDefinition {
  /** The kinds this folder serves (one, except where kinds share one policy, as RBAC's four). */
  readonly infos: readonly ResourceInfo[];
  install(api: ApiInstaller): void;
}

export interface ImporterSettings {
  readonly network: NetworkPolicy;
  readonly maxTagsPerRepository: number;
  readonly scheduledIntervalMs: number;
  readonly scheduledPerMinute: number;
  readonly requestTimeoutMs: number;
  readonly importTimeoutMs: number;
  readonly limits: ImportLimits;
  readonly metrics: ImportMetrics;
  /** Requests per second each registry gets from all imports together. */
  readonly registryQps: number;
}

export interface InstallerOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly importer: ImporterSettings;
  /** Client JSON of objects already encoded, shared by every kind (keys are storage keys). */
  readonly encodedCache: EncodedObjectCache;
}

/** A controller that runs only while this replica leads. */
export interface Controller {
  start(): void;
  stop(): void;
}

/** The identity the server's own reads and writes run as. */
export function systemContext(): RequestContext {
  return { user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, warnings: [], now: new Date() };
}

export class ApiInstaller {
  readonly handlers: ResourceHandler[] = [];
  /** Stores of namespaced kinds: what deleting a namespace empties. */
  readonly namespacedStores: ResourceStore<KubeObject>[] = [];
  /** Every stored kind, in installation order (what a watch cache caches). */
  readonly storedInfos: ResourceInfo[] = [];
  readonly controllers: (() => Controller)[] = [];
  private readonly provided: Partial<Services> = {};
  private readonly providers = new Map<string, string>();
  private readonly starts: (() => Promise<void>)[] = [];
  private readonly closes: (() => void)[] = [];
  private installing = '';
  /** Set by the namespaces kind: whether a namespace takes writes, for every namespaced store after it. */
  namespacePhase: ((namespace: string) => Promise<NamespacePhase>) | undefined;

  constructor(private readonly o: InstallerOptions) {}

  get logger(): Logger {
    return this.o.logger;
  }

  get importer(): ImporterSettings {
    return this.o.importer;
  }

  install(definitions: readonly ResourceDefinition[]): void {
    for (const d of definitions) {
      this.installing = d.infos.map((i) => `${i.resource}${i.group ? `.${i.group}` : ''}`).join(', ');
      d.install(this);
    }
    this.installing = '';
  }

  /** The store of a stored kind; a namespaced kind refuses writes into missing or terminating namespaces. */
  stored<T extends KubeObject>(info: ResourceInfo, strategy: Strategy<T>, extra: Partial<ResourceStoreOptions<T>> = {}): ResourceStore<T> {
    const phase = info.namespaced ? this.namespacePhase : undefined;
    const store = new ResourceStore<T>({
      store: this.o.store,
      trackManagedFields,
      encodedCache: this.o.encodedCache,
      info,
      strategy,
      ...(phase ? { namespacePhase: phase } : {}),
      ...extra,
    });
    if (info.namespaced) this.namespacedStores.push(store as unknown as ResourceStore<KubeObject>);
    if (!this.storedInfos.includes(info)) this.storedInfos.push(info);
    return store;
  }

  provide<K extends keyof Services>(key: K, value: Services[K]): void {
    this.provided[key] = value;
    this.providers.set(String(key), this.installing);
  }

  need<K extends keyof Services>(key: K): Services[K] {
    const value = this.provided[key];
    if (value === undefined) throw new Error(`${this.installing} needs ${String(key)}, which no kind listed before it provides (see server/resources.ts)`);
    return value as Services[K];
  }

  serve(...handlers: ResourceHandler[]): void {
    this.handlers.push(...handlers);
  }

  /** Runs once every kind is installed and the store is seeded, in installation order. */
  onStart(start: () => Promise<void>): void {
    this.starts.push(start);
  }

  onClose(close: () => void): void {
    this.closes.push(close);
  }

  /** A controller created anew each time this replica becomes the leader. */
  controller(create: () => Controller): void {
    this.controllers.push(create);
  }

  async start(): Promise<void> {
    for (const s of this.starts) await s();
  }

  close(): void {
    for (const c of this.closes) c();
  }
}
