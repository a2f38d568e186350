import { hash } from "node:crypto";

/**
 * A weak entity tag of a body, taken before any compression: the same
 * content has the same tag whatever the encoding, the instance or a restart.
 */
export function weakEtagOf(body: string | Buffer): string {
  // One-shot `hash`: no Hash object per answer.
  return `W/"${hash("sha1", body, "base64url")}"`;
}

/**
 * Whether `If-None-Match` matches `etag` (RFC 9110 13.1.2, weak
 * comparison): `*`, or a comma-separated list with the same opaque tag,
 * weak or strong.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = opaqueOf(etag);
  for (const candidate of header.split(",")) {
    const tag = candidate.trim();
    if (tag === "*" || opaqueOf(tag) === wanted) return true;
  }
  return false;
}

function opaqueOf(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** A strong tag made weak (`W/`), for a body the edge compressed; a weak one as it is. */
export function weakened(etag: string): string {
  return etag.startsWith("W/") ? etag : `W/${etag}`;
}
