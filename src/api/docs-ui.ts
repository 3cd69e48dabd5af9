// The API documentation browser (Swagger UI at /api/docs): it carries the product's name, in the
// page title and as the top bar's logo, and browses the document at /api/openapi.json.
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The mark of the web UI's favicon with the name beside it, white on Swagger UI's dark top bar.
export function docsLogo(name: string): string {
  const label = escapeXml(`${name} API`);
  const width = 44 + 13 * label.length;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="32" viewBox="0 0 ${width} 32" role="img" aria-label="${label}">` +
    '<rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M9 9l14 14M23 9L9 23" stroke="#fff" stroke-width="4" stroke-linecap="round"/>' +
    `<text x="42" y="23" font-family="system-ui, sans-serif" font-size="20" font-weight="700" fill="#fff">${label}</text></svg>`
  );
}

export function docsUiOptions(brandingName: string): FastifySwaggerUiOptions {
  return {
    routePrefix: '/api/docs',
    // `urls` is the document the UI loads (the plugin sets `url` to its own copy under /api/docs)
    uiConfig: { docExpansion: 'none', deepLinking: true, urls: [{ url: '/api/openapi.json', name: `${brandingName} API` }] } as FastifySwaggerUiOptions['uiConfig'],
    logo: { type: 'image/svg+xml', content: docsLogo(brandingName), href: '/', target: '_self' },
    theme: { title: `${brandingName} API documentation` },
  };
}
