/**
 * Namespaces: the stored handler, except that delete empties the namespace first. The namespace is
 * marked Terminating (so nothing new can be created in it), everything in it is deleted, then the
 * namespace itself. The system namespaces cannot be deleted, as in Kubernetes.
 */
import { forbidden } from '../../../api/errors.js';
import type { RequestContext, Strategy } from '../../../api/strategy.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { Namespace } from '../../../apis/core/namespace.js';
import { rfc3339 } from '../../../api/object-meta.js';

const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export interface NamespaceHandlerOptions {
  readonly namespaces: ResourceStore<Namespace>;
  readonly statusStrategy: Strategy<Namespace>;
  /** Accepts the server's own phase/deletionTimestamp changes. */
  readonly finalizeStrategy: Strategy<Namespace>;
  /** Everything that lives in namespaces, emptied when a namespace is deleted. */
  readonly namespaced: readonly NamespacedStore[];
  readonly columns: readonly TableColumn<Namespace>[];
}

/** What emptying a namespace needs from a store of a namespaced kind. */
export interface NamespacedStore {
  namesIn(namespace: string): Promise<string[]>;
  delete(ctx: RequestContext, name: string, opts: { dryRun: boolean }): Promise<unknown>;
}

export function createNamespaceHandler(o: NamespaceHandlerOptions): ResourceHandler<Namespace> {
  const base = createStoredHandler({
    store: o.namespaces,
    schema: o.namespaces.info.schema,
    columns: o.columns,
    without: new Set(['deletecollection']),
  });
  const finalizer = o.namespaces.withStrategy(o.finalizeStrategy, 'finalize');
  return {
    ...base,
    async delete(ctx, name, opts) {
      if (UNDELETABLE.has(name)) throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
      const current = await o.namespaces.get(ctx, name);
      if (opts.preconditions?.uid && opts.preconditions.uid !== current.metadata.uid) return o.namespaces.delete(ctx, name, opts);
      if (opts.dryRun) return current;
      await finalizer.guaranteedUpdate(
        ctx,
        name,
        (ns) => {
          const next = structuredClone(ns ?? current);
          next.metadata.deletionTimestamp ??= rfc3339(ctx.now);
          next.status = { ...(next.status ?? {}), phase: 'Terminating' };
          return next;
        },
        { dryRun: false },
      );
      for (const store of o.namespaced) {
        for (const item of await store.namesIn(name)) {
          await store.delete({ ...ctx, namespace: name }, item, { dryRun: false }).catch((e: { status?: { reason?: string } }) => {
            if (e.status?.reason !== 'NotFound') throw e;
          });
        }
      }
      // The resourceVersion moved when we marked it Terminating; only the uid still identifies it.
      const uid = opts.preconditions?.uid;
      return o.namespaces.delete(ctx, name, { dryRun: false, ...(uid ? { preconditions: { uid } } : {}) });
    },
  };
}
