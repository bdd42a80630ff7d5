/**
 * Tag history rules shared by every writer of image stream status: a new event that shares its
 * reference or its image with the newest one updates that event instead of growing the history, and
 * any change clears the tag's conditions; spec tags that follow another tag of the same stream get
 * its new events; a spec tag's reference counts as changed when its namespace, name, `reference` or
 * import mode changes, or its generation is set to 0 (not its kind, insecure, scheduled, reference
 * policy or annotations).
 */
import type { ImageStream, NamedTagEventList, TagEvent, TagReference } from './schema.js';

export function statusTag(stream: ImageStream, tag: string): NamedTagEventList | undefined {
  return stream.status?.tags?.find((t) => t.tag === tag);
}

export function latestEvent(stream: ImageStream, tag: string): TagEvent | undefined {
  return statusTag(stream, tag)?.items?.[0];
}

/** AddTagEventToImageStream: returns whether the stream changed. Any change clears the conditions. */
export function addTagEvent(stream: ImageStream, tag: string, next: TagEvent): boolean {
  const status = (stream.status ??= { dockerImageRepository: '' });
  const tags = (status.tags ??= []);
  let list = tags.find((t) => t.tag === tag);
  if (!list) {
    list = { tag, items: [] };
    tags.push(list);
    tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }
  const items = list.items ?? [];
  const prev = items[0];
  let changed = true;
  if (!prev) {
    list.items = [next];
  } else if (prev.dockerImageReference === next.dockerImageReference && prev.image === next.image) {
    if (prev.generation === next.generation) changed = false;
    else prev.generation = next.generation;
  } else if (prev.dockerImageReference === next.dockerImageReference) {
    prev.image = next.image;
    prev.generation = next.generation;
  } else if (prev.image === next.image && next.image !== '') {
    prev.dockerImageReference = next.dockerImageReference;
    prev.generation = next.generation;
  } else {
    list.items = [next, ...items];
  }
  if (changed) delete list.conditions;
  return changed;
}

/** The spec tags of this stream that follow `tag` (ImageStreamTag `T` or `<stream>:T`, same namespace). */
export function trackingTags(stream: ImageStream, tag: string): TagReference[] {
  const ns = stream.metadata.namespace ?? '';
  return (stream.spec?.tags ?? []).filter((t) => {
    if (t.name === tag || t.from?.kind !== 'ImageStreamTag') return false;
    if (t.from.namespace && t.from.namespace !== ns) return false;
    return t.from.name === tag || t.from.name === `${stream.metadata.name ?? ''}:${tag}`;
  });
}

/** UpdateTrackingTags: copies the new newest event of `tag` to every tag tracking it. */
export function updateTrackingTags(stream: ImageStream, tag: string, event: TagEvent): void {
  for (const t of trackingTags(stream, tag)) addTagEvent(stream, t.name, { ...event });
}

export function tagRefChanged(old: TagReference | undefined, next: TagReference, streamNamespace: string): boolean {
  if (!next.from) return false;
  if (!next.from.kind && !next.from.name) return false;
  if (!old?.from) return true;
  const ns = (r: TagReference) => r.from?.namespace || streamNamespace;
  if (ns(old) !== ns(next)) return true;
  if (old.from.name !== next.from.name) return true;
  if (Boolean(old.reference) !== Boolean(next.reference)) return true;
  if ((old.importPolicy?.importMode ?? '') !== (next.importPolicy?.importMode ?? '')) return true;
  const og = old.generation;
  const ng = next.generation;
  return og !== null && og !== undefined && ng !== null && ng !== undefined && og !== ng && ng === 0;
}
