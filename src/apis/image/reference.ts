/**
 * Container image references ("pull specs") as library-go parses them: the distribution grammar
 * (`name[:tag][@digest]`, lower-case path components, a name of at most 255 characters), then
 * OpenShift's split of the name: a first segment with `.` or `:`, or `localhost`, is the registry,
 * the next segment the namespace, the rest the name.
 */

export interface DockerImageReference {
  registry: string;
  namespace: string;
  name: string;
  tag: string;
  id: string;
}

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?`;
const NAME = `(?:${HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_TOTAL_MAX = 255;

const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
}

/** Validates a digest the way go-digest does: known algorithm and hex length. */
export function parseDigest(s: string): { algorithm: string; hex: string } {
  const i = s.indexOf(':');
  if (i <= 0) throw new ImageReferenceError('invalid checksum digest format');
  const algorithm = s.slice(0, i);
  const hex = s.slice(i + 1);
  const want = DIGEST_LENGTHS[algorithm];
  if (want === undefined) throw new ImageReferenceError('unsupported digest algorithm');
  if (hex.length !== want) throw new ImageReferenceError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw new ImageReferenceError('invalid checksum digest format');
  return { algorithm, hex };
}

export function parseDockerImageReference(spec: string): DockerImageReference {
  if (spec.length === 0) throw new ImageReferenceError('repository name must have at least one component');
  const m = REFERENCE.exec(spec);
  if (!m) {
    if (REFERENCE.test(spec.toLowerCase())) throw new ImageReferenceError('repository name must be lowercase');
    throw new ImageReferenceError('invalid reference format');
  }
  const fullName = m[1] ?? '';
  if (fullName.length > NAME_TOTAL_MAX) throw new ImageReferenceError(`repository name must not be more than ${NAME_TOTAL_MAX} characters`);
  const id = m[3] ?? '';
  if (id) parseDigest(id);
  const ref: DockerImageReference = { registry: '', namespace: '', name: '', tag: m[2] ?? '', id };
  const parts = fullName.split('/');
  if (parts.length === 1) {
    const only = parts[0] ?? '';
    if (only.includes('.') || only.startsWith('localhost')) ref.registry = only;
    else ref.name = only;
    return ref;
  }
  let rest = parts;
  const first = parts[0] ?? '';
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    ref.registry = first;
    rest = parts.slice(1);
  }
  if (rest.length === 1) {
    ref.name = rest[0] ?? '';
  } else {
    ref.namespace = rest[0] ?? '';
    ref.name = rest.slice(1).join('/');
  }
  return ref;
}

export const DOCKER_DEFAULT_REGISTRY = 'docker.io';
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function dockerClientDefaults(r: DockerImageReference): DockerImageReference {
  const out = { ...r };
  if (!out.registry) out.registry = DOCKER_DEFAULT_REGISTRY;
  if (DOCKER_HUB.has(out.registry) && !out.namespace) out.namespace = 'library';
  if (!out.tag && !out.id) out.tag = 'latest';
  return out;
}

export function asV2(r: DockerImageReference): DockerImageReference {
  return r.registry === 'docker.io' || r.registry === 'index.docker.io' ? { ...r, registry: 'registry-1.docker.io' } : { ...r };
}

/** registry/namespace/name without tag or ID. */
export function nameString(r: DockerImageReference): string {
  return [r.registry, r.namespace, r.name].filter((p) => p.length > 0).join('/');
}

/** Only the fields that are set: `[registry/][namespace/]name[:tag|@id]` (library-go Exact). */
export function exact(r: DockerImageReference): string {
  const name = nameString(r);
  if (r.id) return `${name}@${r.id}`;
  if (r.tag) return `${name}:${r.tag}`;
  return name;
}

/** Like exact(), but Docker Hub names get their `library` namespace (library-go String). */
export function referenceString(r: DockerImageReference): string {
  const withLibrary = DOCKER_HUB.has(r.registry) && !r.namespace ? { ...r, namespace: 'library' } : r;
  return exact(withLibrary);
}

/** host:port to contact, defaulting the port by transport. */
export function registryHostPort(r: DockerImageReference, insecure: boolean): { host: string; port: string } {
  const registry = asV2(dockerClientDefaults(r)).registry;
  const i = registry.lastIndexOf(':');
  if (i > 0 && /^[0-9]+$/.test(registry.slice(i + 1))) return { host: registry.slice(0, i), port: registry.slice(i + 1) };
  return { host: registry, port: insecure ? '80' : '443' };
}
