// The query parameters of every list the REST API answers (`GET /api/core/<plural>`); its
// envelope `{items, total, total_exact, next}` is pageProperties in contract.ts.

export const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'Rows per page' },
    offset: { type: 'integer', minimum: 0, default: 0, description: 'Rows to skip (any order; deep offsets cost their depth)' },
    cursor: {
      type: 'string',
      maxLength: 200,
      description: 'Where the page starts: the cursor from the previous page\'s `next` link (default order, sort=id or -id)',
    },
    sort: { type: 'string', maxLength: 200, description: 'Fields, "-" for descending: "-created,name"' },
    search: { type: 'string', maxLength: 200, description: 'Text to look for in the name-like fields' },
  },
  additionalProperties: { type: 'string', maxLength: 4096 },
  description: 'Any field filters: ?site=3, ?name__contains=web, ?id__in=1,2, ?created__gte=2026-01-01',
};
