/**
 * How request matches (`spec.service.match`, `spec.analysis.match`) carry over from App Mesh to
 * Serin's Gateway API router (routers/gatewayapi-route.ts `gatewayMatches`), and what VPC Lattice
 * then does with them (appmesh-lattice.md §4.2, §4.5). A match the router would refuse is dropped
 * (with why), so the migrated Canary is routed at all; one Lattice would reject is kept and flagged.
 */
import { dropped, kept, type Change } from './change.js';

/** One match entry as written in the Canary (Istio-style matchers). */
export type MatchEntry = Record<string, unknown>;
type StringMatch = Partial<Record<'exact' | 'prefix' | 'suffix' | 'regex', string>>;

/** Header matches Lattice accepts per rule (`LATTICE_MAX_HEADER_MATCHES`). */
export const LATTICE_MAX_HEADERS = 5;

const LATTICE_REGEX_PATH =
  'VPC Lattice rejects RegularExpression path matches (LATTICE_UNSUPPORTED_PATH_MATCH_TYPE), so the route fails to build: use exact or prefix';
const LATTICE_REGEX_HEADER = 'VPC Lattice accepts exact header matches only and rejects this route: use an exact value';
const LATTICE_QUERY = 'VPC Lattice does not support query parameter matches (LATTICE_UNSUPPORTED_MATCH_TYPE)';

/** The matches Gateway API keeps and the changes, for the match list at `path`. */
export function migrateMatches(
  path: string,
  matches: readonly MatchEntry[],
  lattice: boolean,
): { readonly matches: MatchEntry[]; readonly changes: Change[] } {
  const out: MatchEntry[] = [];
  const changes: Change[] = [];
  matches.forEach((original, i) => {
    const at = `${path}[${i}]`;
    const entry: MatchEntry = { ...original };
    changes.push(...uriRule(at, entry, lattice), ...methodRule(at, entry));
    for (const field of ['headers', 'queryParams'] as const) changes.push(...namedRule(at, field, entry, lattice));
    const conditions = Object.keys(entry).filter((k) => k !== 'name');
    if (conditions.length > 0) out.push(entry);
    else changes.push(dropped(at, original, 'nothing is left in it that Gateway API can match'));
  });
  return { matches: out, changes };
}

function uriRule(at: string, entry: MatchEntry, lattice: boolean): Change[] {
  const uri = entry.uri as StringMatch | undefined;
  if (uri?.suffix !== undefined) {
    delete entry.uri;
    return [dropped(`${at}.uri`, uri, 'Gateway API matches a path exactly, by prefix or by regex, never by suffix')];
  }
  if (uri?.regex !== undefined && lattice) return [kept(`${at}.uri`, uri, LATTICE_REGEX_PATH)];
  return [];
}

function methodRule(at: string, entry: MatchEntry): Change[] {
  const method = entry.method as StringMatch | undefined;
  if (method === undefined || method.exact !== undefined) return [];
  delete entry.method;
  return [dropped(`${at}.method`, method, 'Gateway API matches a method exactly only')];
}

function namedRule(at: string, field: 'headers' | 'queryParams', entry: MatchEntry, lattice: boolean): Change[] {
  const source = entry[field] as Record<string, StringMatch> | undefined;
  if (source === undefined) return [];
  const changes: Change[] = [];
  const keptMatches: Record<string, StringMatch> = {};
  for (const [name, value] of Object.entries(source)) {
    const where = `${at}.${field}.${name}`;
    if (value.exact === undefined && value.regex === undefined) {
      changes.push(
        dropped(
          where,
          value,
          `Serin's Gateway API router matches ${field} by exact value or regex only and refuses the route otherwise: write it as exact or regex to keep it`,
        ),
      );
      continue;
    }
    keptMatches[name] = value;
    if (lattice && field === 'queryParams') changes.push(kept(where, value, LATTICE_QUERY));
    else if (lattice && value.regex !== undefined) changes.push(kept(where, value, LATTICE_REGEX_HEADER));
  }
  if (Object.keys(keptMatches).length > 0) entry[field] = keptMatches;
  else delete entry[field];
  const count = Object.keys(keptMatches).length;
  if (lattice && field === 'headers' && count > LATTICE_MAX_HEADERS) {
    changes.push(
      kept(
        `${at}.headers`,
        `${count} headers`,
        `VPC Lattice accepts at most ${LATTICE_MAX_HEADERS} header matches per rule (LATTICE_MAX_HEADER_MATCHES)`,
      ),
    );
  }
  return changes;
}
