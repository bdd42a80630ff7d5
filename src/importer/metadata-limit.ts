/**
 * How much of an image config an imported Image keeps. The Image is one stored object (etcd takes at
 * most 1.5 MiB in one request), and a config may carry megabytes of labels or environment: beyond
 * the limit, fields are dropped until the rest fits, labels first, then the legacy container config,
 * then the largest of the runtime config's fields, then the largest of the remaining descriptive
 * ones. The config's digest (Id), its size, the creation time and the architecture always stay. Pure.
 */

const KEPT = new Set(['kind', 'apiVersion', 'Id', 'Size', 'Created', 'Architecture']);

function bytes(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v) ?? '');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Drops fields of `metadata` (a DockerImage, changed in place) until it serializes to at most
 * `maxBytes`; answers the paths dropped, in order (empty when it already fit).
 */
export function limitMetadata(metadata: Record<string, unknown>, maxBytes: number): string[] {
  const dropped: string[] = [];
  const fits = () => bytes(metadata) <= maxBytes;
  if (fits()) return dropped;
  const drop = (path: string, owner: Record<string, unknown>, key: string, empty?: unknown) => {
    if (!(key in owner)) return;
    if (empty === undefined) delete owner[key];
    else owner[key] = empty;
    dropped.push(path);
  };
  const config = metadata['Config'];
  const containerConfig = metadata['ContainerConfig'];
  if (isObj(config)) drop('Config.Labels', config, 'Labels');
  if (!fits() && isObj(containerConfig)) drop('ContainerConfig.Labels', containerConfig, 'Labels');
  if (!fits() && isObj(containerConfig) && Object.keys(containerConfig).length > 0) drop('ContainerConfig', metadata, 'ContainerConfig', {});
  if (isObj(config)) {
    const largest = Object.keys(config).sort((a, b) => bytes(config[b]) - bytes(config[a]));
    for (const key of largest) {
      if (fits()) break;
      drop(`Config.${key}`, config, key);
    }
  }
  const rest = Object.keys(metadata)
    .filter((k) => !KEPT.has(k) && k !== 'ContainerConfig')
    .sort((a, b) => bytes(metadata[b]) - bytes(metadata[a]));
  for (const key of rest) {
    if (fits()) break;
    drop(key, metadata, key);
  }
  return dropped;
}
