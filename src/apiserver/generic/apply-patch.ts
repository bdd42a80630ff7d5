/**
 * Applies one patch request to the current object: the four Kubernetes patch types, and
 * server-side apply (which also owns managedFields for its result).
 */
import type { TSchema } from '@sinclair/typebox';
import type { KubeObject } from '../../api/meta.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { applyServerSide } from '../patch/apply.js';
import type { PatchRequest } from './handler.js';
import type { ExpectedType } from './decode-body.js';

export interface ApplyPatchArgs<T extends KubeObject> {
  readonly current: T | undefined;
  readonly req: PatchRequest;
  readonly schema: TSchema;
  readonly expected: ExpectedType;
  readonly now: Date;
  readonly subresource: string | undefined;
}

export function applyPatchDocument<T extends KubeObject>(args: ApplyPatchArgs<T>): unknown {
  const { current, req } = args;
  if (req.type === 'apply') {
    return applyServerSide({
      live: current,
      applied: req.patch as object,
      manager: req.fieldManager ?? '',
      force: req.force,
      apiVersion: args.expected.apiVersion,
      ...(args.subresource ? { subresource: args.subresource } : {}),
      now: args.now,
      schema: args.schema,
    });
  }
  if (!current) throw new Error('a non-apply patch needs the current object');
  switch (req.type) {
    case 'json':
      return applyJsonPatch(current, req.patch);
    case 'merge':
      return applyMergePatch(current, req.patch);
    case 'strategic':
      return applyStrategicMergePatch(current, req.patch, args.schema);
  }
}
