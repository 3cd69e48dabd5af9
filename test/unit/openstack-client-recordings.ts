/**
 * Responses recorded from the lab cluster (scripts/openstack-lab, OpenStack Zed),
 * trimmed to what the client reads. Catalog URLs are re-pointed at the fake cloud:
 * each service lives under its own path prefix there (/identity, /compute, ...).
 */

export const ADMIN_PASSWORD = 'recorded-admin-pw-9f2c';

/** A token body as Keystone answers POST /v3/auth/tokens (201, token in X-Subject-Token). */
export function tokenBody(baseUrl: string, options: { expiresInMs?: number; region?: string; now?: number } = {}) {
  const now = options.now ?? Date.now();
  const region = options.region ?? 'RegionOne';
  const endpoints = (url: string) => [
    { id: 'e-int', interface: 'internal', region_id: region, url, region },
    { id: 'e-pub', interface: 'public', region_id: region, url, region },
    { id: 'e-adm', interface: 'admin', region_id: region, url, region },
  ];
  return {
    token: {
      methods: ['password'],
      user: { domain: { id: 'default', name: 'Default' }, id: '58fa06774aa34db6aeb188d5f068bf3c', name: 'admin', password_expires_at: null },
      audit_ids: ['KJt3crIkRtmz6ZTyF0J9yw'],
      expires_at: new Date(now + (options.expiresInMs ?? 4 * 3600_000)).toISOString().replace('Z', '000Z'),
      issued_at: new Date(now).toISOString(),
      project: { domain: { id: 'default', name: 'Default' }, id: 'b56e9d6c55d04c369444542336292f03', name: 'admin' },
      is_domain: false,
      roles: [
        { id: 'b2de71b0b2f34f69a51dff57d0af0972', name: 'reader' },
        { id: '85d948cc5dbf46d989cad39deb71f819', name: 'admin' },
        { id: 'ba4188b23a574b949c153aea54dd54f0', name: 'member' },
      ],
      catalog: [
        { endpoints: endpoints(`${baseUrl}/network`), id: '295d6c98b5b641f89c91ee2ab7c1c15d', type: 'network', name: 'neutron' },
        { endpoints: endpoints(`${baseUrl}/image`), id: '2cd0ee18e88d49bcbc1c8350d3684b29', type: 'image', name: 'glance' },
        { endpoints: endpoints(`${baseUrl}/compute/v2.1`), id: '4b88d1195dcd4c99ad803eab0d523724', type: 'compute', name: 'nova' },
        { endpoints: endpoints(`${baseUrl}/placement`), id: 'a03276981aaa4f6db2621a366df725a4', type: 'placement', name: 'placement' },
        { endpoints: endpoints(`${baseUrl}/identity/v3/`), id: 'ffbf7ffd4f6f456a8169a107f86b4802', type: 'identity', name: 'keystone' },
      ],
    },
  };
}

/** GET <nova endpoint>/ (i.e. /v2.1/) */
export const novaVersionDocument = (max = '2.93') => ({
  version: {
    id: 'v2.1', status: 'CURRENT', version: max, min_version: '2.1', updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: 'http://127.0.0.1:29774/v2.1/' }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  },
});

/** GET http://nova:8774/ (the unversioned root) */
export const novaRootDocument = {
  versions: [
    { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: 'http://127.0.0.1:29774/v2/' }] },
    { id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [{ rel: 'self', href: 'http://127.0.0.1:29774/v2.1/' }] },
  ],
};

/** GET placement / */
export const placementRootDocument = {
  versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
};

/** GET keystone / (300 Multiple Choices) */
export const keystoneRootDocument = {
  versions: {
    values: [
      { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: 'http://127.0.0.1:26000/v3/' }] },
    ],
  },
};

export const errors = {
  novaNotFound: {
    status: 404,
    headers: {
      'Content-Type': 'application/json; charset=UTF-8',
      'x-openstack-request-id': 'req-3b5fe9f8-e624-47b3-a5b2-019e8d9a70cb',
      'x-compute-request-id': 'req-3b5fe9f8-e624-47b3-a5b2-019e8d9a70cb',
    },
    body: '{"itemNotFound": {"code": 404, "message": "Instance nope could not be found."}}',
  },
  neutronNotFound: {
    status: 404,
    headers: { 'Content-Type': 'application/json', 'X-Openstack-Request-Id': 'req-243ccf51-ba71-49f4-bee8-a0b32c9700e0' },
    body: '{"NeutronError": {"type": "NetworkNotFound", "message": "Network nope could not be found.", "detail": ""}}',
  },
  glanceNotFoundJson: {
    status: 404,
    headers: { 'Content-Type': 'application/json', 'X-Openstack-Request-Id': 'req-0a8fd9dc-5fab-4fe4-a5d8-b89889767698' },
    body: '{"message": "No image found with ID nope<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}',
  },
  glanceNotFoundHtml: {
    status: 404,
    headers: { 'Content-Type': 'text/html; charset=UTF-8' },
    body: '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID nope<br /><br />\n\n\n\n </body>\n</html>',
  },
  placementNotFound: {
    status: 404,
    headers: { 'Content-Type': 'application/json', 'openstack-api-version': 'placement 1.39', 'x-openstack-request-id': 'req-aa2adafe-95aa-4444-a821-a913f565ae2a' },
    body: '{"errors": [{"status": 404, "title": "Not Found", "detail": "The resource could not be found.\\n\\n No resource provider with uuid nope found  ", "code": "placement.undefined_code", "request_id": "req-aa2adafe-95aa-4444-a821-a913f565ae2a"}]}',
  },
  keystoneNotFound: {
    status: 404,
    headers: { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-7aeb6d58-f1a6-4d2a-ae5e-e1ebe33a4e98' },
    body: '{"error":{"code":404,"message":"Could not find project: nope.","title":"Not Found"}}',
  },
  /** keystonemiddleware in front of Nova, for an expired or revoked token */
  tokenRejected: {
    status: 401,
    headers: {
      'Content-Type': 'application/json',
      'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:26000"',
      'x-openstack-request-id': 'req-4e13f30b-5996-4c1b-a4ab-1369d81ad3cd',
      'x-compute-request-id': 'req-4e13f30b-5996-4c1b-a4ab-1369d81ad3cd',
    },
    body: '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}',
  },
  /** Keystone, for a wrong password */
  badCredentials: {
    status: 401,
    headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:26000/v3"', 'x-openstack-request-id': 'req-8e4a1a69-c2f5-4015-ae83-56e5c02873b8' },
    body: '{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}',
  },
};

/** One page of GET /v2.1/servers?limit=1, with Nova's absolute next link. */
export function novaServersPage(ids: string[], nextHref?: string) {
  return {
    servers: ids.map((id) => ({
      id,
      name: `vm-${id.slice(0, 4)}`,
      links: [{ rel: 'self', href: `http://127.0.0.1:29774/v2.1/servers/${id}` }, { rel: 'bookmark', href: `http://127.0.0.1:29774/servers/${id}` }],
    })),
    ...(nextHref ? { servers_links: [{ rel: 'next', href: nextHref }] } : {}),
  };
}
