/**
 * core/v1 Secret, enough for image pull secrets: base64 data, `stringData` folded into `data` on
 * write, the type's required keys (`.dockerconfigjson`, `.dockercfg`) checked, `type` and immutable
 * secrets protected on update.
 */
import { Type, type Static } from '@sinclair/typebox';
import { fieldErr, type FieldError } from '../../api/errors.js';
import { named, objectHeader, StringMap, type KubeObject } from '../../api/meta.js';
import { validateDataKeys } from './data-keys.js';

export const Secret = named(
  'io.k8s.api.core.v1.Secret',
  Type.Object(
    {
      ...objectHeader(),
      data: Type.Optional({
        ...StringMap,
        description:
          "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here.",
      }),
      stringData: Type.Optional({
        ...StringMap,
        description:
          'stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values. The stringData field is never output when reading from the API.',
      }),
      type: Type.Optional(Type.String({ description: 'Used to facilitate programmatic handling of secret data.' })),
      immutable: Type.Optional(
        Type.Boolean({
          description: 'Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).',
        }),
      ),
    },
    { description: 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.' },
  ),
);
export type Secret = Static<typeof Secret> & KubeObject;

export const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CFG = 'kubernetes.io/dockercfg';
const MAX_SECRET_SIZE = 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Folds stringData into data (base64) and defaults the type, as the API server does on every write. */
export function foldStringData(s: Secret): void {
  if (s.stringData) {
    s.data ??= {};
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
  s.type ||= 'Opaque';
}

export function validateSecretData(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    if (v.length % 4 !== 0 || !BASE64.test(v)) errs.push(fieldErr.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    total += Math.floor((v.length * 3) / 4);
  }
  errs.push(...validateDataKeys(Object.keys(s.data ?? {}), 'data'));
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('data', '', MAX_SECRET_SIZE));
  const requireJsonKey = (key: string) => {
    const raw = s.data?.[key];
    if (raw === undefined) {
      errs.push(fieldErr.required(`data[${key}]`));
      return;
    }
    try {
      JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch (e) {
      errs.push(fieldErr.invalid(`data[${key}]`, '<secret contents redacted>', (e as Error).message));
    }
  };
  if (s.type === DOCKER_CONFIG_JSON) requireJsonKey('.dockerconfigjson');
  if (s.type === DOCKER_CFG) requireJsonKey('.dockercfg');
  return errs;
}
