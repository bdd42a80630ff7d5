import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoValue, goQuote, goSyntax } from './go-syntax.js';
import { fieldErr, fieldErrorMessage, invalid } from './errors.js';

const ROLE_REF = {
  struct: 'rbac.RoleRef',
  fields: [
    ['APIGroup', 'apiGroup', 'string'],
    ['Kind', 'kind', 'string'],
    ['Name', 'name', 'string'],
  ],
} as const;

describe("Go's %#v of decoded JSON", () => {
  it('prints slices, maps and structs with their Go type names, maps in key order', () => {
    assert.equal(goSyntax({ slice: 'string' }, ['/a', '/b']), '[]string{"/a", "/b"}');
    assert.equal(goSyntax({ slice: 'string' }, undefined), '[]string(nil)');
    assert.equal(goSyntax({ slice: 'string' }, []), '[]string{}');
    assert.equal(goSyntax({ map: ['string', 'string'] }, { b: '2', a: '1' }), 'map[string]string{"a":"1", "b":"2"}');
    assert.equal(goSyntax(ROLE_REF, { kind: 'ClusterRole', name: 'admin' }), 'rbac.RoleRef{APIGroup:"", Kind:"ClusterRole", Name:"admin"}');
    assert.equal(goSyntax({ slice: ROLE_REF }, [{ name: 'x' }]), '[]rbac.RoleRef{rbac.RoleRef{APIGroup:"", Kind:"", Name:"x"}}');
    assert.equal(goSyntax({ pointer: ROLE_REF }, undefined), '(*rbac.RoleRef)(nil)');
  });

  it('prints times as time.Date in UTC, a missing one as the zero time', () => {
    assert.equal(goSyntax('time', '2024-03-05T06:07:08Z'), 'v1.Time{Time:time.Date(2024, time.March, 5, 6, 7, 8, 0, time.UTC)}');
    assert.equal(goSyntax('time', undefined), 'v1.Time{Time:time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)}');
  });

  it('quotes strings as strconv.Quote does', () => {
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\u0001\n'), '"\\x01\\n"');
    assert.equal(goQuote('ü'), '"ü"');
  });
});

describe("field errors as apimachinery's field.Error prints them", () => {
  it('prints a composite bad value as Go does, a nil pointer as "null"', () => {
    const e = fieldErr.invalid('roleRef', new GoValue(ROLE_REF, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }), 'cannot change roleRef');
    assert.equal(
      fieldErrorMessage(e),
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"r"}: cannot change roleRef',
    );
    const nil = fieldErr.invalid('spec.resourceAttributes', new GoValue({ pointer: ROLE_REF }, undefined), 'x');
    assert.equal(fieldErrorMessage(nil), 'spec.resourceAttributes: Invalid value: "null": x');
  });

  it('leaves the value out of Too long, and keeps the count in Too many', () => {
    assert.equal(fieldErrorMessage(fieldErr.tooLong('fieldManager', 'x'.repeat(200), 128)), 'fieldManager: Too long: must have at most 128 bytes');
    assert.equal(
      fieldErrorMessage({ type: 'FieldValueTooMany', field: 'spec.x', value: 1025, detail: 'must have at most 1024 items' }),
      'spec.x: Too many: 1025: must have at most 1024 items',
    );
  });

  it('says a repeated message once in the aggregate, and keeps every cause', () => {
    const err = invalid({ group: '', kind: 'Secret' }, 's', [fieldErr.required('data'), fieldErr.required('data'), fieldErr.required('type')]);
    assert.equal(err.status.message, 'Secret "s" is invalid: [data: Required value, type: Required value]');
    assert.equal(err.status.details?.causes?.length, 3);
    const once = invalid({ group: '', kind: 'Secret' }, 's', [fieldErr.required('data'), fieldErr.required('data')]);
    assert.equal(once.status.message, 'Secret "s" is invalid: data: Required value');
  });
});
