/**
 * imagesignatures: create and delete only; a signature lives in its Image's
 * `signatures`, named `<imageName>@<signatureName>`.
 */
import type { TSchema } from '@sinclair/typebox';
import { alreadyExists, badRequest, invalid, notFound } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { rfc3339 } from '../../../api/object-meta.js';
import { validateSignature } from '../../../apis/image/image-validation.js';
import type { Image, ImageSignature } from '../../../apis/image/schema.js';
import { API_VERSION, success } from '../common.js';
import { randomUUID } from 'node:crypto';

const GR = { group: 'image.openshift.io', resource: 'imageSignatures' };

function splitName(name: string): { image: string; signature: string } {
  const parts = name.split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw badRequest('ImageSignatures must be accessed with <imageName>@<signatureName>');
  return { image: parts[0], signature: parts[1] };
}

export function createImageSignatureHandler(o: { info: ResourceInfo; schema: TSchema; images: ResourceStore<Image> }): ResourceHandler<ImageSignature> {
  const expected = { apiVersion: API_VERSION, kind: 'ImageSignature' };
  return {
    info: o.info,
    async create(ctx: RequestContext, body, req) {
      const sig = decodeBody<ImageSignature>(body, o.schema, expected, ctx, req);
      for (const f of ['conditions', 'imageIdentity', 'signedClaims', 'created', 'issuedBy', 'issuedTo'] as const) delete sig[f];
      sig.metadata.uid = randomUUID();
      sig.metadata.creationTimestamp = rfc3339(ctx.now);
      const name = sig.metadata.name ?? '';
      const errs = validateSignature(sig, '');
      if (errs.length)
        throw invalid(
          { group: 'image.openshift.io', kind: 'ImageSignature' },
          name,
          errs.map((e) => ({ ...e, field: e.field.replace(/^\./, '') })),
        );
      const { image } = splitName(name);
      const stored = { ...sig, apiVersion: undefined, kind: undefined };
      delete stored.apiVersion;
      delete stored.kind;
      await o.images.guaranteedUpdate(
        { ...ctx, namespace: undefined } as RequestContext,
        image,
        (current) => {
          if (!current) throw notFound({ group: 'image.openshift.io', resource: 'images' }, image);
          const dup = (current.signatures ?? []).some((s) => s.metadata?.name === name || (s.type === sig.type && s.content === sig.content));
          if (dup) throw alreadyExists(GR, name);
          current.signatures = [...(current.signatures ?? []), stored as ImageSignature];
          return current;
        },
        { dryRun: ctx.dryRun },
      );
      return { ...sig, apiVersion: API_VERSION, kind: 'ImageSignature' };
    },
    async delete(ctx, name, opts) {
      const { image } = splitName(name);
      await o.images.guaranteedUpdate(
        { ...ctx, namespace: undefined } as RequestContext,
        image,
        (current) => {
          if (!current) throw notFound({ group: 'image.openshift.io', resource: 'images' }, image);
          const rest = (current.signatures ?? []).filter((s) => s.metadata?.name !== name);
          if (rest.length === (current.signatures ?? []).length) throw notFound(GR, name);
          current.signatures = rest;
          return current;
        },
        { dryRun: opts.dryRun },
      );
      return success();
    },
  };
}
