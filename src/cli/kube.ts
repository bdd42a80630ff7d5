/**
 * The plugin's connection to the server, through @kubernetes/client-node so that `--kubeconfig`,
 * `--context`, `-n` and `KUBECONFIG` mean what they mean to kubectl (kubectl passes its own global
 * flags to plugins only as the user typed them, so the plugin reads them again here).
 */
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Image, ImageStream } from '../apis/image/schema.js';

export const GROUP = 'image.openshift.io';
export const VERSION = 'v1';

export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** A failure the user reads as it is: the server's Status message, or ours. */
export class CliError extends Error {}

export interface Kube {
  readonly config: KubeConfig;
  /** The namespace of `-n`, else the context's, else `default`, as kubectl picks it. */
  readonly namespace: string;
  readonly api: CustomObjectsApi;
  /** `https://host:port` of the current cluster. */
  readonly server: string;
}

export function connect(o: GlobalOptions): Kube {
  const config = new KubeConfig();
  if (o.kubeconfig) config.loadFromFile(o.kubeconfig);
  else config.loadFromDefault();
  if (o.context) {
    if (!config.getContextObject(o.context)) throw new CliError(`error: context "${o.context}" does not exist`);
    config.setCurrentContext(o.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new CliError('error: no cluster in the kubeconfig; pass --kubeconfig or set KUBECONFIG');
  const namespace = o.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  return { config, namespace, api: config.makeApiClient(CustomObjectsApi), server: cluster.server };
}

interface StatusBody {
  message?: string;
}

/** The server's Status message of a failed call, as kubectl prints it (`Error from server (Reason): …`). */
export function explain(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof ApiException) {
    let body: StatusBody & { reason?: string } = {};
    try {
      body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as typeof body;
    } catch {
      body = { message: String(err.body) };
    }
    return `Error from server${body.reason ? ` (${body.reason})` : ''}: ${body.message ?? `HTTP ${err.code}`}`;
  }
  return `error: ${(err as Error).message ?? String(err)}`;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiException && err.code === 409;
}

const ns = (k: Kube, namespace?: string) => namespace ?? k.namespace;

export async function getStream(k: Kube, name: string, namespace?: string): Promise<ImageStream | undefined> {
  try {
    return (await k.api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns(k, namespace),
      plural: 'imagestreams',
      name,
    })) as ImageStream;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function getNamespaced<T>(k: Kube, plural: string, name: string, namespace?: string): Promise<T> {
  return (await k.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns(k, namespace), plural, name })) as T;
}

export async function getImage(k: Kube, name: string): Promise<Image> {
  return (await k.api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'images', name })) as Image;
}

export async function create<T>(k: Kube, plural: string, body: object, namespace?: string): Promise<T> {
  return (await k.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns(k, namespace), plural, body })) as T;
}

export async function replace<T>(k: Kube, plural: string, name: string, body: object, namespace?: string): Promise<T> {
  return (await k.api.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns(k, namespace), plural, name, body })) as T;
}

/**
 * Reads the stream, lets `change` edit it, and writes it back with its resourceVersion; a write
 * that lost a race with another is retried on a fresh read.
 */
export async function updateStream(k: Kube, name: string, change: (s: ImageStream) => void, namespace?: string, createIfMissing = false): Promise<ImageStream> {
  for (let attempt = 0; ; attempt++) {
    const current = await getStream(k, name, namespace);
    if (!current && !createIfMissing) throw new CliError(`Error from server (NotFound): imagestreams.image.openshift.io "${name}" not found`);
    const s: ImageStream = current ?? { apiVersion: `${GROUP}/${VERSION}`, kind: 'ImageStream', metadata: { name, namespace: ns(k, namespace) } };
    change(s);
    try {
      return current ? await replace<ImageStream>(k, 'imagestreams', name, s, namespace) : await create<ImageStream>(k, 'imagestreams', s, namespace);
    } catch (e) {
      if (isConflict(e) && attempt < 5) continue;
      throw e;
    }
  }
}
