import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { named } from './meta.js';
import { applyPresence, type PresenceTable } from './presence.js';

const Inner = named(
  'test.Inner',
  Type.Object({ a: Type.Optional(Type.String()), n: Type.Optional(Type.Integer()), list: Type.Optional(Type.Array(Type.String())) }),
);
const Outer = named(
  'test.Outer',
  Type.Object({
    items: Type.Optional(Type.Array(Inner)),
    maybe: Type.Optional(Type.Union([Inner, Type.Null()])),
    byName: Type.Optional(Type.Record(Type.String(), Inner)),
    ptr: Type.Optional(Inner),
  }),
);
const table: PresenceTable = {
  'test.Inner': { always: { a: '', list: null }, omitEmpty: ['n'] },
  'test.Outer': { always: { maybe: null }, omitNil: ['ptr'] },
};

describe('field presence', () => {
  it('gives always-present fields their zero value and drops empty omitempty ones, at any depth', () => {
    const v: Record<string, unknown> = { items: [{ n: 0 }, { a: 'x', n: 2, list: [] }], byName: { k: { n: 0 } }, ptr: null };
    applyPresence(Outer, v, table);
    assert.deepEqual(v, {
      items: [
        { a: '', list: null },
        { a: 'x', n: 2, list: [] },
      ],
      byName: { k: { a: '', list: null } },
      maybe: null,
    });
  });

  it('keeps an empty struct behind a pointer, and follows the object branch of a union', () => {
    const v: Record<string, unknown> = { ptr: {}, maybe: { n: 0 } };
    applyPresence(Outer, v, table);
    assert.deepEqual(v, { ptr: { a: '', list: null }, maybe: { a: '', list: null } });
  });
});
