/** `kubectl get imagestreams` columns, as openshift-apiserver prints them: NAME, IMAGE REPOSITORY, TAGS, UPDATED. */
import { humanDuration } from '../../../api/human-duration.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ImageStream } from '../../../apis/image/schema.js';

const TAGS_WIDTH = 40;

function createdSeconds(created: string | null | undefined): number {
  const t = created ? Date.parse(created) : NaN;
  return Number.isNaN(t) ? 0 : Math.round(t / 1000);
}

/** Status tags, newest first (by their newest event, to the second), ties by name. */
export function sortedStatusTags(stream: ImageStream): string[] {
  return (stream.status?.tags ?? [])
    .map((t) => ({ tag: t.tag, at: createdSeconds(t.items?.[0]?.created) }))
    .sort((a, b) => b.at - a.at || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
    .map((t) => t.tag);
}

/** As many tags as fit in the width (always one), the rest counted; a list 25% over still prints whole. */
export function fitTags(tags: readonly string[], width = TAGS_WIDTH): string {
  const all = tags.join(',');
  if (all.length <= width * 1.25) return all;
  const shown: string[] = [];
  let len = 0;
  for (const t of tags) {
    const add = shown.length === 0 ? t.length : t.length + 1;
    if (shown.length > 0 && len + add > width) break;
    shown.push(t);
    len += add;
  }
  return `${shown.join(',')} + ${tags.length - shown.length} more...`;
}

export function repositoryOf(stream: ImageStream): string {
  return stream.status?.publicDockerImageRepository || stream.spec?.dockerImageRepository || stream.status?.dockerImageRepository || '';
}

export const imageStreamColumns: TableColumn<ImageStream>[] = [
  {
    name: 'Image Repository',
    type: 'string',
    description: 'The image repository clients pull from: the public repository when one is configured, otherwise the internal one.',
    priority: 0,
    cell: repositoryOf,
  },
  { name: 'Tags', type: 'string', description: 'Status tags, most recently updated first.', priority: 0, cell: (s) => fitTags(sortedStatusTags(s)) },
  {
    name: 'Updated',
    type: 'string',
    description: 'How long ago the most recent tag was updated.',
    priority: 0,
    cell: (s, now) => {
      const latest = Math.max(0, ...(s.status?.tags ?? []).map((t) => createdSeconds(t.items?.[0]?.created)));
      return latest > 0 ? `${humanDuration(now.getTime() - latest * 1000)} ago` : '';
    },
  },
];
