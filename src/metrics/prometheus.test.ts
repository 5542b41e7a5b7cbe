import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstFluxValue, parseCsv } from './influxdb-csv.js';
import { collapseWhitespace, readQueryResponse } from './prometheus.js';
import { parseGoFloat } from './values.js';

const WHERE = 'Prometheus at http://p:9090';
const ok = (data: unknown): string => JSON.stringify({ status: 'success', data });

describe('reading /api/v1/query answers', () => {
  test('the last sample of a vector wins, as in Flagger', () => {
    const body = ok({
      resultType: 'vector',
      result: [
        { metric: { a: '1' }, value: [1, '1.5'] },
        { metric: { a: '2' }, value: [1, '2.5'] },
      ],
    });
    assert.deepEqual(readQueryResponse(WHERE, 200, 'OK', body), { kind: 'value', value: 2.5 });
  });

  test('an empty vector is no data; NaN is no data that says so', () => {
    assert.deepEqual(readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'vector', result: [] })), {
      kind: 'no-data',
    });
    assert.deepEqual(readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'scalar', result: [1, 'NaN'] })), {
      kind: 'no-data',
      detail: 'no values found: the query returned NaN',
    });
  });

  test('±Inf are values (the judge fails them)', () => {
    assert.deepEqual(readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'scalar', result: [1, '+Inf'] })), {
      kind: 'value',
      value: Infinity,
    });
    assert.deepEqual(
      readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'vector', result: [{ value: [1, '-Inf'] }] })),
      {
        kind: 'value',
        value: -Infinity,
      },
    );
  });

  test('a range vector or a string is an error that says what to change', () => {
    const matrix = readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'matrix', result: [] }));
    assert.equal(matrix.kind, 'error');
    assert.match(matrix.kind === 'error' ? matrix.message : '', /range vector \(matrix\), not a single number/);
    const text = readQueryResponse(WHERE, 200, 'OK', ok({ resultType: 'string', result: [1, 'x'] }));
    assert.deepEqual(text, { kind: 'error', message: `${WHERE}: the query returned a string, not a number` });
  });

  test('an HTTP error carries the status and Prometheus’ own error text', () => {
    const body = JSON.stringify({
      status: 'error',
      errorType: 'bad_data',
      error: '1:5: parse error: unclosed left parenthesis',
    });
    assert.deepEqual(readQueryResponse(WHERE, 400, 'Bad Request', body), {
      kind: 'error',
      message: `${WHERE} answered 400 Bad Request: bad_data: 1:5: parse error: unclosed left parenthesis`,
    });
    assert.deepEqual(readQueryResponse(WHERE, 502, '', '<html>bad gateway</html>'), {
      kind: 'error',
      message: `${WHERE} answered 502 Bad Gateway: <html>bad gateway</html>`,
    });
  });

  test('a body that is not the API’s JSON is an error quoting it', () => {
    const result = readQueryResponse(WHERE, 200, 'OK', 'hello');
    assert.deepEqual(result, {
      kind: 'error',
      message: `${WHERE} answered with a body that is not a Prometheus API response: hello`,
    });
  });

  test('queries are sent with whitespace collapsed', () => {
    assert.equal(collapseWhitespace('\n  sum(\n\trate(x[1m])\n  )\n'), 'sum( rate(x[1m]) )');
  });
});

describe('numbers as Go parses them', () => {
  test('special values and decimals', () => {
    assert.equal(parseGoFloat('+Inf'), Infinity);
    assert.equal(parseGoFloat('-inf'), -Infinity);
    assert.ok(Number.isNaN(parseGoFloat('NaN')));
    assert.equal(parseGoFloat('1.5e3'), 1500);
    assert.equal(parseGoFloat('.5'), 0.5);
    assert.equal(parseGoFloat('abc'), undefined);
    assert.equal(parseGoFloat(''), undefined);
  });
});

describe('InfluxDB annotated CSV', () => {
  const csv = [
    '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string',
    '#group,false,false,true,true,false,true',
    '#default,_result,,,,,',
    ',result,table,_start,_stop,_value,_field',
    ',,0,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,12.5,"a,b"',
    ',,0,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,13,"c"',
    '',
  ].join('\r\n');

  test('the first record’s _value and its datatype', () => {
    assert.deepEqual(firstFluxValue(csv), { kind: 'record', text: '12.5', datatype: 'double' });
  });

  test('an error table becomes the error', () => {
    const failed =
      '#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n,"failed to execute query: bucket not found",897\n';
    assert.deepEqual(firstFluxValue(failed), {
      kind: 'error',
      message: 'failed to execute query: bucket not found,897',
    });
  });

  test('no records is none', () => {
    assert.deepEqual(firstFluxValue('\r\n'), { kind: 'none' });
  });

  test('quoted fields keep commas, quotes and line breaks', () => {
    assert.deepEqual(parseCsv('a,"b,""c""\nd"\ne'), [['a', 'b,"c"\nd'], ['e']]);
  });
});
