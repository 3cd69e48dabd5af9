// `xos nginx-config`: its options; the server block comes from nginx-config.ts (loaded when used:
// it reads the API's headers, and the API's modules are too heavy for every CLI start).
import path from 'node:path';
import type { Command } from 'commander';
import type { XosConfig } from '../config/schema.js';
import { fromPackageRoot } from '../config/package-root.js';

export function addNginxConfigCommand(program: Command, config: () => XosConfig) {
  program
    .command('nginx-config')
    .description('Print an nginx server block for this configuration (web UI from nginx, /api/ proxied to XOS)')
    .option('--listen <port>', 'what nginx listens on: port or address:port (default 80, with --tls 443)')
    .option('--server-name <name>', 'server_name', '_')
    .option('--ui-dist <dir>', 'the built web UI', fromPackageRoot('ui', 'dist'))
    .option('--tls', 'an HTTPS server (with a redirect from HTTP); needs --cert and --key')
    .option('--cert <file>', 'certificate chain (PEM)')
    .option('--key <file>', 'private key (PEM)')
    .action(async (o: { listen?: string; serverName: string; uiDist: string; tls?: boolean; cert?: string; key?: string }) => {
      const c = config();
      if (o.tls && (!o.cert || !o.key)) throw new Error('--tls: give the certificate and key files with --cert and --key');
      if (!o.tls && (o.cert || o.key)) throw new Error('--cert/--key: only with --tls');
      const listen = o.listen ?? (o.tls ? '443' : '80');
      if (!/^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?\d{1,5}$/i.test(listen)) throw new Error(`--listen: "${listen}" is not a port or address:port`);
      if (!/^[A-Za-z0-9_.*-]+$/.test(o.serverName)) throw new Error(`--server-name: "${o.serverName}" is not a host name`);
      const host = c.api.host === '0.0.0.0' ? '127.0.0.1' : c.api.host === '::' ? '[::1]' : c.api.host;
      const { nginxServerBlock } = await import('./nginx-config.js');
      process.stdout.write(
        nginxServerBlock(c, {
          listen,
          serverName: o.serverName,
          uiDist: path.resolve(o.uiDist),
          upstream: `${host}:${c.api.port}`,
          tls: o.tls ? { cert: path.resolve(o.cert!), key: path.resolve(o.key!) } : undefined,
        }),
      );
    });
}
