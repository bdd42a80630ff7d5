/** core/v1 ConfigMap: text and binary data under config keys, no key in both, immutable support. */
import { Type, type Static } from '@sinclair/typebox';
import { fieldErr, type FieldError } from '../../api/errors.js';
import { named, objectHeader, StringMap, type KubeObject } from '../../api/meta.js';
import { validateDataKeys } from './data-keys.js';

export const ConfigMap = named(
  'io.k8s.api.core.v1.ConfigMap',
  Type.Object(
    {
      ...objectHeader(),
      data: Type.Optional({
        ...StringMap,
        description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
      }),
      binaryData: Type.Optional({
        ...StringMap,
        description: 'BinaryData contains the binary data (base64). Keys stored in BinaryData must not overlap with the ones in the Data field.',
      }),
      immutable: Type.Optional(
        Type.Boolean({
          description: 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).',
        }),
      ),
    },
    { description: 'ConfigMap holds configuration data for pods to consume.' },
  ),
);
export type ConfigMap = Static<typeof ConfigMap> & KubeObject;

const MAX_SIZE = 1024 * 1024;

/** Keys, duplicates between data and binaryData, and the 1 MiB total. */
export function validateConfigMapData(c: ConfigMap): FieldError[] {
  const errs = [...validateDataKeys(Object.keys(c.data ?? {}), 'data'), ...validateDataKeys(Object.keys(c.binaryData ?? {}), 'binaryData')];
  for (const k of Object.keys(c.binaryData ?? {})) {
    if (c.data && k in c.data) errs.push(fieldErr.invalid('data', k, 'duplicate of key present in binaryData'));
  }
  const size = Object.values(c.data ?? {}).reduce((n, v) => n + v.length, 0) + Object.values(c.binaryData ?? {}).reduce((n, v) => n + v.length, 0);
  if (size > MAX_SIZE) errs.push(fieldErr.tooLong('', '', MAX_SIZE));
  return errs;
}
