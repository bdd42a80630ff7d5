/**
 * The live cluster image configuration (`images.config.openshift.io/cluster`) as the rest of the
 * server consumes it: internal and external registry hostnames and the import allow-list.
 * Kept in memory, refreshed by a watch (writes from anywhere) and right after our own writes (so a
 * client that changes the config and then reads an image stream sees the change at once).
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../../../api/strategy.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import type { ClusterImageConfig } from '../../../apis/config/schema.js';
import { createWhitelister, type RegistryWhitelister } from '../../../apis/image/whitelist.js';

export interface RegistryConfig {
  readonly internalRegistryHostname?: string;
  readonly externalRegistryHostnames: string[];
  readonly whitelister: RegistryWhitelister;
  readonly defaultImportMode?: string;
  /** registrySources entries the importer honours (exact host[:port] matches, as in openshift-apiserver). */
  readonly importPolicy: { insecureRegistries: string[]; blockedRegistries: string[]; additionalTrustedCA?: string; defaultImportMode?: string };
}

export const CLUSTER_CONFIG_NAME = 'cluster';

/** `defaultInternal`: the integrated registry's own address, used while the config names none. */
export function registryConfigFrom(config: ClusterImageConfig | undefined, defaultInternal?: string): RegistryConfig {
  const internal = config?.status?.internalRegistryHostname || defaultInternal || undefined;
  const external = [...(config?.spec?.externalRegistryHostnames ?? []), ...(config?.status?.externalRegistryHostnames ?? [])];
  const allowed = config?.spec?.allowedRegistriesForImport;
  const importMode = config?.status?.imageStreamImportMode || config?.spec?.imageStreamImportMode;
  return {
    ...(importMode ? { defaultImportMode: importMode } : {}),
    ...(internal ? { internalRegistryHostname: internal } : {}),
    externalRegistryHostnames: external,
    whitelister: createWhitelister(allowed && allowed.length > 0 ? allowed : undefined, internal ? { internalRegistryHostname: internal } : {}),
    importPolicy: {
      insecureRegistries: [...(config?.spec?.registrySources?.insecureRegistries ?? [])],
      blockedRegistries: [...(config?.spec?.registrySources?.blockedRegistries ?? [])],
      ...(config?.spec?.additionalTrustedCA?.name ? { additionalTrustedCA: config.spec.additionalTrustedCA.name } : {}),
      ...(importMode ? { defaultImportMode: importMode } : {}),
    },
  };
}

export class ClusterConfigCache {
  private current: RegistryConfig = registryConfigFrom(undefined);
  private readonly abort = new AbortController();
  private stored: ClusterImageConfig | undefined;
  private defaultInternal: string | undefined;

  constructor(
    private readonly configs: ResourceStore<ClusterImageConfig>,
    private readonly systemContext: () => RequestContext,
    private readonly logger: Logger,
  ) {}

  get(): RegistryConfig {
    return this.current;
  }

  /** The integrated registry's address (known once the server listens), for when the config names none. */
  setDefaultInternalRegistryHostname(hostname: string): void {
    this.defaultInternal = hostname;
    this.use(this.stored);
  }

  private use(config: ClusterImageConfig | undefined): void {
    this.stored = config;
    this.current = registryConfigFrom(config, this.defaultInternal);
  }

  async refresh(): Promise<void> {
    const found = await this.configs.getRaw(undefined, CLUSTER_CONFIG_NAME);
    this.use(found?.obj);
  }

  /** Loads the config and follows it until close(); a broken watch is re-established. */
  async start(): Promise<void> {
    await this.refresh();
    void this.follow();
  }

  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const ctx = this.systemContext();
        for await (const ev of this.configs.watch(ctx, { resourceVersion: '0' }, this.abort.signal)) {
          if (ev.type !== 'BOOKMARK' && ev.object.metadata.name === CLUSTER_CONFIG_NAME) {
            this.use(ev.type === 'DELETED' ? undefined : ev.object);
          }
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.logger.warn({ err }, 'cluster image config watch failed; re-reading');
        await new Promise((r) => setTimeout(r, 1000));
        await this.refresh().catch(() => undefined);
      }
    }
  }

  close(): void {
    this.abort.abort();
  }
}
