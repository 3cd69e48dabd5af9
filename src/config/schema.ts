// Every key XOS reads from xos_config, with its type, default and meaning. The loader checks the
// file and the environment against this table; `xos config show` prints it.

export type KeySpec =
  | { type: 'string'; default: string; secret?: boolean; help: string }
  | { type: 'int'; default: number; min: number; max: number; help: string }
  | { type: 'bool'; default: boolean; help: string }
  | { type: 'enum'; default: string; choices: readonly string[]; help: string };

export const configSchema = {
  db: {
    url: { type: 'string', default: '', secret: true, help: 'postgres://… for PostgreSQL; empty for the embedded database' },
    data_dir: { type: 'string', default: './data', help: 'Where the embedded database and local state live' },
  },
  api: {
    host: { type: 'string', default: '127.0.0.1', help: 'Address to listen on' },
    port: { type: 'int', default: 8000, min: 0, max: 65535, help: 'Port to listen on' },
    public_url: { type: 'string', default: '', help: 'The URL clients use (behind a proxy); used in next links' },
    trust_proxy: { type: 'bool', default: false, help: 'Trust X-Forwarded-* headers from any client (prefer trusted_proxies)' },
    trusted_proxies: { type: 'string', default: '', help: 'Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed, e.g. 127.0.0.1' },
    body_limit: { type: 'int', default: 1048576, min: 1024, max: 104857600, help: 'Largest request body in bytes' },
    session_hours: { type: 'int', default: 12, min: 1, max: 720, help: 'How long a login session lasts' },
    login_attempts_per_minute: { type: 'int', default: 10, min: 1, max: 10000, help: 'Logins per client address; also wrong passwords (login or HTTP Basic) per address and per account' },
    log_level: { type: 'enum', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Server log level' },
  },
  server: {
    roles: { type: 'string', default: 'all', help: 'What `xos serve` runs: all, or a comma-separated list of api, sync, ops' },
    workers: { type: 'int', default: 1, min: 1, max: 64, help: 'API processes sharing the port (more than one needs PostgreSQL)' },
    sync_workers: { type: 'int', default: 1, min: 1, max: 64, help: 'Synchronizer processes (more than one needs PostgreSQL)' },
    pid_file: { type: 'string', default: '', help: 'Pid file of `xos serve` (default <data_dir>/xos.pid)' },
    log_file: { type: 'string', default: '', help: 'Where `xos start` writes the log (default <data_dir>/xos.log)' },
    stop_seconds: { type: 'int', default: 30, min: 1, max: 3600, help: 'How long a stop or reload waits for requests and reconciles in flight' },
  },
  gui: {
    disable_minidashboard: { type: 'bool', default: false, help: 'Hide the statistics panel of the dashboard' },
    branding_name: { type: 'string', default: 'XOS', help: 'Product name shown in the web UI' },
  },
  observer: {
    enabled: { type: 'bool', default: true, help: 'Run the synchronizer inside `xos serve`' },
    images_directory: { type: 'string', default: '', help: 'Image files placed here become Images (default <data_dir>/images)' },
    backoff_disabled: { type: 'bool', default: false, help: 'Retry failed objects at once (debugging only)' },
    resync_seconds: { type: 'int', default: 600, min: 5, max: 86400, help: 'Periodic resync to catch drift' },
    workers: { type: 'int', default: 4, min: 1, max: 256, help: 'Objects reconciled at once per controller, per sync process; changes made in the last 2 s may start in up to half as many extra slots, so that a person does not wait behind queued work' },
    lease_seconds: { type: 'int', default: 30, min: 5, max: 3600, help: "How long an object stays with a sync process that stopped answering (its lease) before another takes it over" },
  },
  nova: {
    ca_ssl_cert: { type: 'string', default: '', help: 'CA file trusted for every controller (in addition to its own bundle)' },
    default_flavor: { type: 'string', default: '', help: "Flavor (by name) of an instance created without one, when its slice has no default_flavor" },
  },
  ops: {
    enabled: { type: 'bool', default: true, help: "Run the operator tools' cluster collectors inside `xos serve`" },
    interval: { type: 'int', default: 60, min: 5, max: 86400, help: 'Seconds between two reads of every cluster by the collectors' },
    timeout: { type: 'int', default: 10, min: 1, max: 600, help: 'Seconds each cluster API call may take before it counts as failed' },
    metrics_token: { type: 'string', default: '', secret: true, help: 'Bearer token that may read GET /metrics besides administrators (empty: administrators only)' },
  },
  nagios: {
    url: { type: 'string', default: '', help: "The Nagios web view; the web UI's operator page links it when set" },
  },
  security: {
    secret_key: { type: 'string', default: '', secret: true, help: 'Key (64 hex characters) that encrypts cluster credentials' },
    secret_key_file: { type: 'string', default: '', help: 'File holding that key (default <data_dir>/secret.key, created on first start)' },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type Schema = typeof configSchema;
type ValueOf<S> = S extends { type: 'int' } ? number : S extends { type: 'bool' } ? boolean : string;
export type XosConfig = { [S in keyof Schema]: { [K in keyof Schema[S]]: ValueOf<Schema[S][K]> } } & {
  source: { file: string | null };
};

// Environment names that the documentation promises besides XOS_<SECTION>_<KEY>.
export const envAliases: Record<string, [keyof Schema, string]> = {
  XOS_DATA_DIR: ['db', 'data_dir'],
};
