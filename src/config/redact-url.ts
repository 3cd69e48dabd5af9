// A connection URL shown to people (`xos config show`, log lines, error messages) without its
// secrets: the password part, and the query parameters that hold one, since libpq reads
// password= and sslpassword= from the query too and proxies take tokens and keys there.
const SECRET_PARAMETER = /pass|pwd|secret|token|key/i;

function decodedName(raw: string) {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

export function redactUrl(url: string, mask = '********'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return mask; // cannot tell its parts apart, so none of it is shown
  }
  if (u.password) u.password = mask;
  if (u.search)
    u.search = u.search
      .slice(1)
      .split('&')
      .map((pair) => {
        const name = pair.split('=')[0];
        return SECRET_PARAMETER.test(decodedName(name)) ? `${name}=${mask}` : pair;
      })
      .join('&');
  return u.toString();
}
