// The CLI's tables: borders, a rule under the heading only, multi-line and wide cells, wrapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textTable, wrap } from '../../src/cli/text-table.js';

test('a table has borders, a rule under the heading only, and columns as wide as their text', () => {
  assert.equal(
    textTable(['id', 'name'], [['1', 'MySite'], ['22', 'x']]),
    ['┌────┬────────┐', '│ id │ name   │', '├────┼────────┤', '│ 1  │ MySite │', '│ 22 │ x      │', '└────┴────────┘'].join('\n'),
  );
});

test('a table without rows is its heading', () => {
  assert.equal(textTable(['id'], []), ['┌────┐', '│ id │', '└────┘'].join('\n'));
});

test('a cell with line breaks takes several lines; wide characters count two columns', () => {
  assert.equal(
    textTable(['a', 'b'], [['日本', 'one\ntwo'], [7, null]]),
    ['┌──────┬─────┐', '│ a    │ b   │', '├──────┼─────┤', '│ 日本 │ one │', '│      │ two │', '│ 7    │     │', '└──────┴─────┘'].join('\n'),
  );
});

test('a column with a width wraps at spaces and cuts a word longer than a line', () => {
  assert.deepEqual(wrap('the quick brown fox', 9), ['the quick', 'brown fox']);
  assert.deepEqual(wrap('abcdefghij kl', 4), ['abcd', 'efgh', 'ij', 'kl']);
  assert.deepEqual(wrap('日本語の文', 4), ['日本', '語の', '文']);
  assert.equal(
    textTable(['k', 'help'], [['x', 'wraps at six']], [null, 6]),
    ['┌───┬────────┐', '│ k │ help   │', '├───┼────────┤', '│ x │ wraps  │', '│   │ at six │', '└───┴────────┘'].join('\n'),
  );
});
