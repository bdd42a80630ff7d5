/**
 * Pull-through: a manifest or blob of an image that lives in another registry is fetched there
 * with the stream namespace's pull secrets, under the same network policy, allow-list and
 * registry sources as imports, and verified against its digest. Blobs stream to the client and
 * to the local store at once; only a complete, verified copy is kept, so the next pull is local.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { dockerClientDefaults, parseDockerImageReference, registryHostPort, type DockerImageReference } from '../apis/image/reference.js';
import type { RegistryWhitelister } from '../apis/image/whitelist.js';
import type { NetworkPolicy } from '../importer/address-guard.js';
import { keyringFromSecrets } from '../importer/credentials.js';
import { RegistryClient, RegistryError } from '../importer/registry-client.js';
import type { RegistryBackend } from './backend.js';
import { registryError } from './errors.js';
import type { BlobStore } from './storage/blob-store.js';

export interface PullThroughPolicy {
  readonly whitelister: RegistryWhitelister;
  readonly insecureRegistries: readonly string[];
  readonly blockedRegistries: readonly string[];
  /** The CAs upstream registries' certificates are verified against (absent: the system's). */
  readonly ca?: string;
}

export interface PullThroughOptions {
  readonly backend: RegistryBackend;
  readonly blobs: BlobStore;
  readonly network: NetworkPolicy;
  /** Read for every upstream request: a change of the cluster image config applies to the next pull. */
  readonly policy: () => Promise<PullThroughPolicy>;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export interface UpstreamBlob {
  readonly size: number | undefined;
  readonly stream: Readable;
}

function repositoryPath(ref: DockerImageReference): string {
  const d = dockerClientDefaults(ref);
  return [d.namespace, d.name].filter(Boolean).join('/');
}

export class PullThrough {
  /** Blobs being fetched now, by digest: a second client of the same blob waits for the first. */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly o: PullThroughOptions) {}

  private async client(namespace: string, reference: string, insecureTag: boolean): Promise<{ client: RegistryClient; repo: string }> {
    let ref: DockerImageReference;
    try {
      ref = parseDockerImageReference(reference);
    } catch {
      throw registryError('MANIFEST_UNKNOWN', `the image's reference ${reference} cannot be pulled through`);
    }
    const policy = await this.o.policy();
    const defaulted = dockerClientDefaults(ref);
    const registry = defaulted.registry === 'docker.io' ? 'registry-1.docker.io' : defaulted.registry;
    if (policy.blockedRegistries.includes(registry))
      throw registryError('DENIED', `pulling through from ${registry} is blocked by the cluster's registry sources`);
    const insecure = insecureTag || policy.insecureRegistries.includes(registry);
    const { host, port } = registryHostPort(ref, insecure);
    const denied = policy.whitelister.admitHostname(`${host}:${port}`, 'secure');
    if (denied) throw registryError('DENIED', `pulling through from registry "${host}:${port}" is forbidden: ${denied}`);
    const keyring = keyringFromSecrets(await this.o.backend.pullSecrets(namespace));
    const repo = repositoryPath(ref);
    const credentials = keyring.lookup(registry, repo);
    const client = new RegistryClient({
      registry,
      insecure,
      policy: this.o.network,
      timeoutMs: this.o.timeoutMs,
      ...(credentials ? { credentials } : {}),
      ...(policy.ca ? { ca: policy.ca } : {}),
    });
    return { client, repo };
  }

  async manifest(namespace: string, reference: string, digest: string, insecure: boolean): Promise<{ body: Buffer; mediaType: string }> {
    const { client, repo } = await this.client(namespace, reference, insecure);
    try {
      const m = await client.getManifest(repo, digest);
      return { body: m.body, mediaType: m.mediaType };
    } catch (e) {
      throw upstreamError(e, digest, 'MANIFEST_UNKNOWN');
    }
  }

  /**
   * The blob from upstream, teed into the local store. The copy is kept only if the stream ends
   * with the right digest; a client that goes away early does not stop the copy.
   */
  async blob(namespace: string, reference: string, digest: string, insecure: boolean): Promise<UpstreamBlob> {
    const { client, repo } = await this.client(namespace, reference, insecure);
    let opened: UpstreamBlob;
    try {
      opened = await client.openBlob(repo, digest);
    } catch (e) {
      throw upstreamError(e, digest, 'BLOB_UNKNOWN');
    }
    const toClient = new PassThrough();
    const toStore = new PassThrough();
    opened.stream.on('error', (err) => {
      toClient.destroy(err);
      toStore.destroy(err);
    });
    // Both copies flow at the pace of the slower one; a client that leaves stops holding it back.
    opened.stream.pipe(toStore);
    opened.stream.pipe(toClient);
    toClient.on('close', () => {
      if (!toClient.writableFinished) opened.stream.unpipe(toClient);
    });
    if (!this.inflight.has(digest)) {
      const saving = this.o.blobs
        .put(toStore, digest)
        .then(() => undefined)
        .catch((err: unknown) => this.o.logger.warn({ err, digest }, 'pull-through copy not kept'))
        .finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, saving);
    } else toStore.resume();
    return { size: opened.size, stream: toClient };
  }
}

function upstreamError(e: unknown, digest: string, unknown: 'BLOB_UNKNOWN' | 'MANIFEST_UNKNOWN') {
  if (e instanceof RegistryError) {
    if (e.kind === 'NotFound') return registryError(unknown, `upstream has no ${digest}`, { digest });
    if (e.kind === 'Unauthorized' || e.kind === 'IncorrectCredentials') return registryError('DENIED', `upstream refused ${digest}: ${e.message}`);
    return registryError('UNAVAILABLE', `pulling ${digest} through failed: ${e.message}`);
  }
  return registryError('UNAVAILABLE', `pulling ${digest} through failed: ${(e as Error).message}`);
}
