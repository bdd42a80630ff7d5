/**
 * What the image stream views share: name grammars (`<stream>:<tag>`, `<stream>@<id>`), how a tag
 * event's pull spec is resolved by the tag's reference policy, and how an Image is shown
 * inside a view (manifest and config blobs left out).
 */
import { alreadyExists, badRequest, conflict, notFound, type GroupResource, type Status } from '../../api/errors.js';
import type { RequestContext } from '../../api/strategy.js';
import type { DeleteOptions, ResourceStore } from '../../apiserver/generic/resource-store.js';
import type { Image, ImageStream, TagEvent } from '../../apis/image/schema.js';

export const GROUP = 'image.openshift.io';
export const API_VERSION = 'image.openshift.io/v1';

/** `<stream>:<tag>`: exactly one colon, no `@`, both parts non-empty; else 400 with `what`'s message. */
export function parseStreamTag(name: string, what: 'ImageStreamTags' | 'ImageTags'): { stream: string; tag: string } {
  const parts = name.split(':');
  if (name.includes('@') || parts.length !== 2 || !parts[0] || !parts[1]) throw badRequest(`${what} must be retrieved with <name>:<tag>`);
  return { stream: parts[0], tag: parts[1] };
}

/** `<stream>@<id>`: exactly one `@`, both parts non-empty. */
export function parseStreamImage(name: string): { stream: string; id: string } {
  const parts = name.split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw badRequest('ImageStreamImages must be retrieved with <name>@<id>');
  return { stream: parts[0], id: parts[1] };
}

/** ResolveReferenceForTagEvent: `Local` points into the integrated registry when it is known. */
export function resolveReference(stream: ImageStream, tag: string, event: TagEvent): string {
  const spec = stream.spec?.tags?.find((t) => t.name === tag);
  const repo = stream.status?.dockerImageRepository ?? '';
  if (spec?.referencePolicy?.type === 'Local' && repo && event.image) return `${repo}@${event.image}`;
  return event.dockerImageReference;
}

/** An Image as views show it: blobs left out, extra annotations merged over its own. */
export function imageView(image: Image, extraAnnotations?: Record<string, string> | null): Image {
  const out = structuredClone(image);
  delete out.dockerImageManifest;
  delete out.dockerImageConfig;
  delete out.apiVersion;
  delete out.kind;
  if (extraAnnotations && Object.keys(extraAnnotations).length > 0) out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...extraAnnotations };
  return out;
}

/** `DigestOrImageMatch`: a digest matches by its hex part or its full form; other names by prefix. */
export function digestOrImageMatch(image: string, id: string): boolean {
  const i = image.indexOf(':');
  if (i > 0 && image.slice(i + 1).startsWith(id)) return true;
  return image.startsWith(id);
}

export function success(code = 200): Status & { metadata: Record<string, never> } {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

/**
 * Untagging through a view (istag or itag delete): the spec tag and its history go, in one write
 * to the stream, retried on conflicts; a UID precondition names the stream.
 */
/**
 * What a write through a tag view (istag, itag) checks against the stream it read: a create finds
 * no spec tag yet; an update with a resourceVersion finds the stream at that version.
 */
export function checkTagWrite(
  mode: 'create' | 'update',
  current: ImageStream | undefined,
  hasSpecTag: boolean,
  resourceVersion: string | undefined,
  names: { readonly gr: GroupResource; readonly existsAs: GroupResource; readonly name: string },
): void {
  if (mode === 'create' && hasSpecTag) throw alreadyExists(names.existsAs, names.name);
  if (mode !== 'update' || !resourceVersion) return;
  if (!current) throw notFound(names.gr, names.name);
  if (resourceVersion !== current.metadata.resourceVersion)
    throw conflict(names.gr, names.name, `another caller has updated the resource version to ${current.metadata.resourceVersion ?? ''}`);
}

export async function deleteTag(
  streams: ResourceStore<ImageStream>,
  ctx: RequestContext,
  view: { gr: GroupResource; name: string; stream: string; tag: string },
  opts: DeleteOptions,
): Promise<Status> {
  await streams.guaranteedUpdate(
    ctx,
    view.stream,
    (current) => {
      if (!current) throw notFound({ group: GROUP, resource: 'imagestreams' }, view.stream);
      const uid = opts.preconditions?.uid;
      if (uid && uid !== current.metadata.uid) throw conflict(view.gr, view.name, 'the UID precondition was not met');
      const inSpec = current.spec?.tags?.some((t) => t.name === view.tag) ?? false;
      const inStatus = current.status?.tags?.some((t) => t.tag === view.tag) ?? false;
      if (!inSpec && !inStatus) throw notFound(view.gr, view.name);
      if (current.spec?.tags) current.spec.tags = current.spec.tags.filter((t) => t.name !== view.tag);
      if (current.status?.tags) current.status.tags = current.status.tags.filter((t) => t.tag !== view.tag);
      return current;
    },
    { dryRun: opts.dryRun },
  );
  return success();
}
