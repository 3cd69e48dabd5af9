// Entity tags (RFC 9110 §8.8.3) of the rows the API returns, and the If-Match condition (§13.1.1)
// on them. What a row's tag is, is decided by etagOf alone; the rest reads the general grammar,
// so the tag can change without touching the parsing or the comparison.
import { ValidationError } from '../model/errors.js';
import type { Row } from '../model/types.js';

export const etagOf = (row: Row) => `"${row.version}"`;

interface EntityTag {
  weak: boolean;
  opaque: string; // with its quotes
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text. Node reads header
// bytes as latin1, so obs-text (%x80-FF) arrives as \x80-\xff. A comma is an etagc: it can be
// inside a tag, so a list cannot be split on commas.
const ENTITY_TAG = /(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/y;

// `#entity-tag` (RFC 9110 §5.6.1): tags separated by commas and optional whitespace, where empty
// elements are allowed. Null when the text is not such a list or names no tag.
export function parseEntityTags(text: string): EntityTag[] | null {
  const tags: EntityTag[] = [];
  let i = 0;
  const skipSpace = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (i < text.length && text[i] !== ',') {
      ENTITY_TAG.lastIndex = i;
      const m = ENTITY_TAG.exec(text);
      if (!m) return null;
      tags.push({ weak: Boolean(m[1]), opaque: m[2] });
      i = ENTITY_TAG.lastIndex;
      skipSpace();
    }
    if (i >= text.length) break;
    if (text[i] !== ',') return null;
    i++;
  }
  return tags.length ? tags : null;
}

// The comparison, in one place. RFC 9110 asks If-Match for the strong comparison, where a weak
// tag never matches; here a weak tag matches its strong twin, because a compressing proxy (nginx's
// gzip) weakens the tags it passes on, and the tag names the row's state, not the bytes, so
// W/"3" and "3" name the same state.
const sameTag = (a: EntityTag, b: EntityTag) => a.opaque === b.opaque;

// The condition an If-Match header puts on the current row: none without the header or with
// "*" (the row exists, which the lookup checks anyway), else "its tag is one of these".
export function ifMatchCondition(header: string | undefined): ((current: Row) => boolean) | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = parseEntityTags(header);
  if (!tags)
    throw new ValidationError([
      { field: 'If-Match', message: 'must be * or a comma-separated list of entity-tags, each in double quotes, e.g. "3" (the ETag this API returned)' },
    ]);
  return (current) => {
    const now = parseEntityTags(etagOf(current))![0];
    return tags.some((t) => sameTag(t, now));
  };
}
