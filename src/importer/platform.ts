/**
 * Which entry of a manifest list a Legacy import tags: one that runs on the preferred platform.
 * Attestation manifests (BuildKit's, marked by an annotation or the `unknown/unknown` platform) and
 * artifacts (signatures, SBOMs, charts: an artifactType, or a media type that is no image manifest)
 * never run, and an image for another OS never runs here, so none of them is ever chosen. Of the
 * rest: the preferred architecture, then amd64, then any other architecture of the preferred OS (a
 * fallback the import reports), then entries that name no platform (whose config decides). Pure.
 */
import { isManifestType, type Descriptor } from '../apis/image/manifest.js';

export const ATTESTATION_ANNOTATION = 'vnd.docker.reference.type';

export interface Platform {
  readonly os: string;
  readonly arch: string;
}

/** An entry of a list, or of a list nested in it, with the list that names it. */
export interface Entry {
  readonly descriptor: Descriptor;
  /** The digest of the list that names it. */
  readonly list: string;
}

export interface Candidate extends Entry {
  /** Its platform is not the preferred one (another architecture of the preferred OS). */
  readonly fallback: boolean;
  /** The list names no platform for it: its config says what it runs on. */
  readonly platformless: boolean;
}

export interface Ranking {
  readonly candidates: Candidate[];
  /** What was passed over, for the message when nothing fits. */
  readonly attestations: number;
  readonly artifacts: number;
  readonly otherPlatforms: string[];
}

export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.[ATTESTATION_ANNOTATION] === 'attestation-manifest' || (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown');
}

/** An entry the list itself marks as something other than a runnable image. */
export function isArtifactEntry(d: Descriptor): boolean {
  return d.artifactType !== undefined || (d.mediaType !== undefined && !isManifestType(d.mediaType));
}

export function platformText(p: Descriptor['platform']): string {
  return `${p?.os ?? ''}/${p?.architecture ?? ''}${p?.variant ? `/${p.variant}` : ''}`;
}

/** Whether the platform an entry names (if it names one) is of another OS than the preferred one. */
export function otherOs(d: Descriptor, prefer: Platform): boolean {
  return Boolean(d.platform?.os) && d.platform?.os !== prefer.os;
}

export function rankEntries(entries: readonly Entry[], prefer: Platform): Ranking {
  let attestations = 0;
  let artifacts = 0;
  const otherPlatforms: string[] = [];
  const exact: Candidate[] = [];
  const amd64: Candidate[] = [];
  const others: Candidate[] = [];
  const platformless: Candidate[] = [];
  for (const e of entries) {
    const d = e.descriptor;
    if (isAttestation(d)) attestations++;
    else if (isArtifactEntry(d)) artifacts++;
    else if (otherOs(d, prefer)) otherPlatforms.push(platformText(d.platform));
    else if (!d.platform?.os || !d.platform.architecture) platformless.push({ ...e, fallback: false, platformless: true });
    else if (d.platform.architecture === prefer.arch) exact.push({ ...e, fallback: false, platformless: false });
    else if (d.platform.architecture === 'amd64') amd64.push({ ...e, fallback: true, platformless: false });
    else others.push({ ...e, fallback: true, platformless: false });
  }
  return { candidates: [...exact, ...amd64, ...others, ...platformless], attestations, artifacts, otherPlatforms };
}

/** What a list holds besides a runnable image for the preferred platform, in words. */
export function passedOver(r: Pick<Ranking, 'attestations' | 'artifacts' | 'otherPlatforms'>): string {
  const parts: string[] = [];
  if (r.otherPlatforms.length > 0) parts.push(`images for ${[...new Set(r.otherPlatforms)].join(', ')}`);
  if (r.attestations > 0) parts.push(r.attestations === 1 ? 'an attestation manifest' : `${r.attestations} attestation manifests`);
  if (r.artifacts > 0) parts.push(r.artifacts === 1 ? 'an artifact' : `${r.artifacts} artifacts`);
  return parts.length > 0 ? parts.join(', ') : 'no entries';
}
