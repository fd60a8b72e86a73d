import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { nonNegativeInteger, pageSize, positiveInteger, runner, search, table, text } from './index';

describe('CLI helpers', () => {
  it('pads every column but the last to its widest cell, header included, two spaces apart', () => {
    assert.equal(table([['CP-1', 'yes'], ['CP-10000', 'no']], ['ID', 'CONNECTED']), 'ID        CONNECTED\nCP-1      yes\nCP-10000  no');
    assert.equal(table([], ['ID', 'STATUS']), 'ID  STATUS');
    assert.equal(table([], ['ID', 'STATUS'], '(none)'), '(none)');
  });

  it('renders a cell value: nothing as "-", lists comma separated, objects as JSON', () => {
    assert.deepEqual([text(null), text(''), text([]), text(['a', 'b']), text({ a: 1 }), text(3)], ['-', '-', '-', 'a, b', '{"a":1}', '3']);
  });

  it('builds a query string, leaving out undefined (and with omitEmpty, empty) values', () => {
    assert.equal(search({ a: 'x y', b: undefined, c: 2, d: '' }), '?a=x+y&c=2&d=');
    assert.equal(search({ a: 'x', d: '' }, { omitEmpty: true }), '?a=x');
    assert.equal(search({ b: undefined }), '');
  });

  it('turns a failed action into one error line and exit code 1', async () => {
    const lines: string[] = [];
    const previous = process.exitCode;
    try {
      await runner({ printError: (line) => lines.push(line) })(async () => {
        throw new Error('POST /x failed with HTTP 409: taken');
      })();
      assert.deepEqual(lines, ['error: POST /x failed with HTTP 409: taken']);
      assert.equal(process.exitCode, 1);
      await runner({ printError: (line) => lines.push(line), message: () => 'mapped' })(async () => Promise.reject(new Error('x')))();
      assert.equal(lines[1], 'error: mapped');
    } finally {
      process.exitCode = previous;
    }
  });

  it('parses numeric options with the messages commander shows', () => {
    assert.equal(positiveInteger('3'), 3);
    assert.throws(() => positiveInteger('0'), (e: unknown) => e instanceof InvalidArgumentError && e.message === 'must be a positive integer');
    assert.equal(nonNegativeInteger('0'), 0);
    assert.throws(() => nonNegativeInteger('-1'), /must be a non-negative integer/);
    assert.throws(() => pageSize('501'), /must be an integer from 1 to 500/);
  });
});
