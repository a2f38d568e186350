import { type ParsedUrlQuery, parse } from "node:querystring";

/**
 * Longest query the plain path takes: it then has fewer pairs than node's
 * own `maxKeys` (1,000), so the two never differ on where they stop.
 */
const PLAIN_MAX_LENGTH = 1_000;

/**
 * A request's query as node's `querystring.parse` reads it (a
 * null-prototype object; a repeated name becomes an array; a name without
 * `=` has the value ""; empty pairs are skipped). A query with nothing to
 * decode (no `%`, no `+`), which is almost every query a client sends, is
 * split here without node's per-character decoding pass: on the
 * pass-through that pass was 1.2-1.5 % of the process's time.
 */
export function parseQuery(raw: string): ParsedUrlQuery {
  if (raw.length > PLAIN_MAX_LENGTH || raw.includes("%") || raw.includes("+")) return parse(raw);
  const query: ParsedUrlQuery = Object.create(null);
  const length = raw.length;
  let start = 0;
  while (start <= length) {
    let end = raw.indexOf("&", start);
    if (end === -1) end = length;
    if (end > start) {
      const eq = raw.indexOf("=", start);
      const named = eq !== -1 && eq < end;
      const name = named ? raw.slice(start, eq) : raw.slice(start, end);
      const value = named ? raw.slice(eq + 1, end) : "";
      const prior = query[name];
      if (prior === undefined) query[name] = value;
      else if (typeof prior === "string") query[name] = [prior, value];
      else prior.push(value);
    }
    start = end + 1;
  }
  return query;
}
