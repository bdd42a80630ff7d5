/** Keys of Secret and ConfigMap data: what a file name in a volume may be (IsConfigMapKey). */
import { fieldErr, type FieldError } from '../../api/errors.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function validateDataKeys(keys: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of keys) {
    if (k.length > 253) errs.push(fieldErr.invalid(path, k, 'must be no more than 253 characters'));
    if (!CONFIG_KEY.test(k))
      errs.push(
        fieldErr.invalid(
          path,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    else if (k === '.' || k === '..' || k.startsWith('..')) errs.push(fieldErr.invalid(path, k, `must not be '.' or '..' or start with '..'`));
  }
  return errs;
}
