// `xos nginx-config`: the nginx server block for the current configuration. nginx serves the web
// UI's files itself (hashed assets cached for good, the page never, the single-page app's
// routes answered with its page) and passes /api/ to XOS over kept-alive connections, the event
// stream unbuffered. It sends the client's address in X-Forwarded-For, replacing whatever the
// client put there; XOS believes that header only from [api] trusted_proxies.
import type { XosConfig } from '../config/schema.js';
import { SECURITY_HEADERS } from '../api/ui-routes.js';

export interface NginxOptions {
  listen: string; // what nginx listens on: a port, or address:port
  serverName: string;
  uiDist: string;
  upstream: string; // where XOS listens, host:port
  tls?: { cert: string; key: string };
}

export function nginxServerBlock(config: XosConfig, o: NginxOptions): string {
  const headers = Object.entries(SECURITY_HEADERS)
    .map(([k, v]) => `        add_header ${k} "${v}" always;`)
    .join('\n');
  const proxy = `        proxy_pass http://xos_api;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;`;
  // add_header in a location drops the server's own: the locations that add headers repeat it
  const hsts = o.tls ? '\n        add_header Strict-Transport-Security "max-age=31536000" always;' : '';
  const listen = o.tls ? `    listen ${o.listen} ssl http2;` : `    listen ${o.listen};`;
  const tls = o.tls
    ? `
    ssl_certificate     ${o.tls.cert};
    ssl_certificate_key ${o.tls.key};
    ssl_protocols       TLSv1.2 TLSv1.3;
    ssl_session_cache   shared:xos_tls:10m;
    add_header Strict-Transport-Security "max-age=31536000" always;
`
    : '';
  return `# XOS behind nginx (\`xos nginx-config${o.tls ? ' --tls' : ''}\`, XOS ${config.api.host}:${config.api.port}).
# Put it in the http block (e.g. /etc/nginx/sites-enabled/xos), and tell XOS the proxy's address:
#   [api] trusted_proxies = 127.0.0.1      (the address nginx connects to XOS from)
#   [api] public_url = ${o.tls ? 'https' : 'http'}://${o.serverName === '_' ? '<this host>' : o.serverName}
upstream xos_api {
    server ${o.upstream};
    keepalive 32;
    # below XOS's own 5 s, so nginx never sends on a connection XOS is closing
    keepalive_timeout 4s;
}
${
  o.tls && /(^|:)443$/.test(o.listen)
    ? `
server {
    listen ${o.listen.replace(/443$/, '80')}; # plain HTTP: sent on to HTTPS
    server_name ${o.serverName};
    return 301 https://$host$request_uri;
}
`
    : ''
}
server {
${listen}
    server_name ${o.serverName};
${tls}
    root ${o.uiDist};
    # the API's own limit ([api] body_limit), so a large body is refused before it is sent on
    client_max_body_size ${config.api.body_limit};
    gzip_static on;

    # the change feed: every event passed on at once, the stream kept open
    location = /api/events {
${proxy}
        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout 1h;
    }

    location /api/ {
${proxy}
    }
    location = /api {
${proxy}
    }

    # hashed file names: a new build has new names, so these never change
    location /assets/ {
        add_header Cache-Control "public, max-age=31536000, immutable" always;
        add_header x-content-type-options nosniff always;${hsts}
        try_files $uri =404;
    }

    # the single-page app: a file when there is one, else the page (its routes are client-side)
    location / {
        try_files $uri @app;
        add_header Cache-Control "public, max-age=86400" always;
        add_header x-content-type-options nosniff always;${hsts}
    }
    location @app {
        rewrite ^ /index.html break;
        add_header Cache-Control "no-cache" always;${hsts}
${headers}
    }
}
`;
}
