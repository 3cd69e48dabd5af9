/**
 * Pulls the human-readable message out of an OpenStack error response.
 *
 * Every service wraps its errors differently, for example:
 *   Nova       {"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}
 *   Neutron    {"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}}
 *   Keystone   {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}
 *   Placement  {"errors": [{"status": 404, "title": "Not Found", "detail": "..."}]}
 *   Glance     {"message": "No image found with ID x<br /><br />", "code": "404 Not Found"}
 *              (or, asked without Accept: application/json, the same as an HTML page)
 * so this looks for the usual keys one level deep and falls back to the plain text.
 */

const MAX_MESSAGE_LENGTH = 500;

export function extractServerMessage(body: string, contentType = ''): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  if (contentType.includes('json') || text.startsWith('{') || text.startsWith('[')) {
    try {
      const fromJson = messageFromJson(JSON.parse(text));
      if (fromJson) return clip(fromJson);
    } catch {
      // not JSON after all: treat it as text below
    }
  }
  return clip(plainText(text));
}

function messageFromJson(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const direct = messageOf(value);
  if (direct) return direct;
  // Placement and other services that follow the API-SIG error guideline
  if (Array.isArray(value.errors) && value.errors.length > 0) {
    const parts = value.errors.filter(isObject).map(messageOf).filter((m): m is string => !!m);
    if (parts.length > 0) return parts.join('; ');
  }
  // Nova ({"badRequest": {...}}), Neutron ({"NeutronError": {...}}), Keystone ({"error": {...}})
  for (const inner of Object.values(value)) {
    if (isObject(inner)) {
      const nested = messageOf(inner);
      if (nested) return nested;
    }
  }
  return undefined;
}

function messageOf(obj: Record<string, unknown>): string | undefined {
  for (const key of ['message', 'detail', 'description', 'faultstring', 'error_message']) {
    const v = obj[key];
    if (typeof v === 'string' && v.trim() !== '') return normaliseSpace(v);
  }
  // {"error": "some text"} as some WSGI middlewares answer
  if (typeof obj.error === 'string' && obj.error.trim() !== '') return normaliseSpace(obj.error);
  return undefined;
}

function plainText(text: string): string {
  // Glance and webob answer with a small HTML page (or its text form) whose first
  // line repeats the status, "404 Not Found"; the message is what follows it.
  const withoutStatus = text
    .replace(/<head>[\s\S]*?<\/head>/i, '\n')
    .replace(/<(h1|title)>[\s\S]*?<\/\1>/gi, '\n')
    .replace(/<[^>]+>/g, '\n');
  const lines = decodeEntities(withoutStatus).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1 && /^\d{3} [A-Za-z ]+$/.test(lines[0]!)) lines.shift();
  return normaliseSpace(lines.join(' '));
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Glance puts "<br />" line breaks even into its JSON messages */
function normaliseSpace(s: string): string {
  return s.replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim();
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE_LENGTH ? `${s.slice(0, MAX_MESSAGE_LENGTH)}…` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
