/**
 * Just enough of InfluxDB's annotated CSV (the Flux query response, dialect annotations
 * `datatype,group,default`) to find the first record's `_value`, or the error table InfluxDB sends
 * when a query fails after the response started.
 */

/** The first record's `_value` and its `#datatype`, no record at all, or the error the response carries. */
export type FluxFirstValue =
  | { readonly kind: 'record'; readonly text: string; readonly datatype: string | undefined }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string };

/** Reads annotated CSV up to its first data record. */
export function firstFluxValue(csv: string): FluxFirstValue {
  let names: string[] | undefined;
  let datatypes: string[] = [];
  let defaults: string[] = [];
  for (const row of parseCsv(csv)) {
    if (row.length <= 1) {
      // A blank line separates tables; the next one brings its own annotations and header.
      names = undefined;
      continue;
    }
    const first = row[0] ?? '';
    if (first.startsWith('#')) {
      if (names !== undefined) names = undefined;
      if (first === '#datatype') datatypes = row.slice(1);
      if (first === '#default') defaults = row.slice(1);
      continue;
    }
    if (names === undefined) {
      names = row.slice(1);
      continue;
    }
    if (names[0] === 'error') {
      const reference = row[2] ? `,${row[2]}` : '';
      return { kind: 'error', message: `${row[1] || 'unknown query error'}${reference}` };
    }
    const column = names.indexOf('_value');
    if (column < 0) return { kind: 'error', message: `the result has no _value column (columns: ${names.join(', ')})` };
    const text = row[column + 1] || defaults[column] || '';
    return { kind: 'record', text, datatype: datatypes[column] };
  }
  return { kind: 'none' };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes (`""`) and line breaks; CRLF or LF ends a row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
