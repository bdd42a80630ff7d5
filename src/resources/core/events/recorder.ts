/**
 * Records core/v1 Events about objects, as client-go's event recorder does: the same event again
 * (same object, type, reason and message) counts up on the one Event instead of adding another, and
 * Events older than their time to live are removed, so the store does not only grow.
 */
import type { Logger } from 'pino';
import { isApiError, notFound } from '../../../api/errors.js';
import { rfc3339 } from '../../../api/object-meta.js';
import type { KubeObject } from '../../../api/meta.js';
import type { Event } from '../../../apis/core/event.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { systemContext } from '../../installer.js';

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: KubeObject;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Never throws: an event that cannot be recorded is logged, and the caller's work goes on. */
  record(about: InvolvedObject, type: EventType, reason: string, message: string): Promise<void>;
}

/** Similar events remembered for counting up; older ones get a new Event. */
const REMEMBERED = 4096;

export function createEventRecorder(events: ResourceStore<Event>, component: string, logger: Logger): EventRecorder {
  const recent = new Map<string, string>();
  return {
    async record({ apiVersion, kind, object }, type, reason, message) {
      const namespace = object.metadata.namespace ?? 'default';
      const uid = object.metadata.uid ?? '';
      const key = [namespace, uid, type, reason, message].join('\u0000');
      const ctx = { ...systemContext(), namespace };
      const now = rfc3339(new Date());
      try {
        const existing = recent.get(key);
        if (existing) {
          const counted = await events
            .guaranteedUpdate(
              ctx,
              existing,
              (e) => {
                if (!e) throw notFound({ group: '', resource: 'events' }, existing);
                return { ...e, count: (e.count ?? 1) + 1, lastTimestamp: now };
              },
              { dryRun: false },
            )
            .then(() => true)
            .catch((e: unknown) => (isApiError(e, 'NotFound') ? false : Promise.reject(e)));
          if (counted) return;
        }
        const name = `${object.metadata.name ?? 'object'}.${(BigInt(Date.now()) * 1_000_000n + BigInt(recent.size)).toString(16)}`;
        await events.create(
          ctx,
          {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace },
            involvedObject: {
              apiVersion,
              kind,
              namespace,
              name: object.metadata.name ?? '',
              uid,
              ...(object.metadata.resourceVersion ? { resourceVersion: object.metadata.resourceVersion } : {}),
            },
            reason,
            message,
            source: { component },
            reportingComponent: component,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
            type,
          } as Event,
          { dryRun: false },
        );
        recent.delete(key);
        recent.set(key, name);
        if (recent.size > REMEMBERED) recent.delete(recent.keys().next().value as string);
      } catch (err) {
        logger.warn({ err, reason, object: `${namespace}/${object.metadata.name ?? ''}` }, 'could not record an event');
      }
    },
  };
}

/** Deletes Events whose last occurrence is older than `ttlMs` (kube-apiserver's --event-ttl). */
export async function removeExpiredEvents(events: ResourceStore<Event>, ttlMs: number, now = Date.now()): Promise<number> {
  const all = await events.list(systemContext(), {});
  let removed = 0;
  for (const e of all.items) {
    const last = Date.parse(e.lastTimestamp ?? e.metadata.creationTimestamp ?? '');
    if (Number.isNaN(last) || now - last < ttlMs) continue;
    try {
      await events.delete({ ...systemContext(), namespace: e.metadata.namespace ?? '' }, e.metadata.name ?? '', { dryRun: false });
      removed++;
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
  return removed;
}
