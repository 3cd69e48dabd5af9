/**
 * The ways XOS can authenticate to a cluster's Keystone, and the v3 request bodies
 * they turn into. Application credentials are the preferred kind to store for a
 * controller: they can be limited to one project and revoked without touching a
 * user's password.
 */

export interface PasswordCredentials {
  type: 'password';
  username: string;
  password: string;
  /** the user's domain, by name or id; "Default" when neither is given */
  userDomainName?: string;
  userDomainId?: string;
  /** project scope (by name with its domain, or by id) */
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  /** domain scope instead of a project scope */
  domainName?: string;
  domainId?: string;
}

export interface ApplicationCredentials {
  type: 'application_credential';
  /** the credential's id, or its name together with its user */
  id?: string;
  name?: string;
  userId?: string;
  username?: string;
  userDomainName?: string;
  userDomainId?: string;
  secret: string;
}

export type Credentials = PasswordCredentials | ApplicationCredentials;

/** The strings that must never show up in a message or a log. */
export function secretsOf(credentials: Credentials): string[] {
  return credentials.type === 'password' ? [credentials.password] : [credentials.secret];
}

export function tokenRequestBody(credentials: Credentials): unknown {
  if (credentials.type === 'application_credential') {
    const appCred: Record<string, unknown> = { secret: credentials.secret };
    if (credentials.id) {
      appCred.id = credentials.id;
    } else if (credentials.name) {
      appCred.name = credentials.name;
      appCred.user = userRef(credentials.userId, credentials.username, credentials.userDomainId, credentials.userDomainName);
    } else {
      throw new Error('application credentials need an id, or a name and a user');
    }
    // an application credential carries its own scope: no "scope" member is allowed
    return { auth: { identity: { methods: ['application_credential'], application_credential: appCred } } };
  }
  const user = userRef(undefined, credentials.username, credentials.userDomainId, credentials.userDomainName);
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password: credentials.password } } },
      ...scopeOf(credentials),
    },
  };
}

function userRef(id?: string, name?: string, domainId?: string, domainName?: string): Record<string, unknown> {
  if (id) return { id };
  if (!name) throw new Error('a user id or user name is required');
  return { name, domain: domainId ? { id: domainId } : { name: domainName ?? 'Default' } };
}

function scopeOf(c: PasswordCredentials): Record<string, unknown> {
  if (c.projectId) return { scope: { project: { id: c.projectId } } };
  if (c.projectName) {
    const domain = c.projectDomainId
      ? { id: c.projectDomainId }
      : { name: c.projectDomainName ?? c.userDomainName ?? 'Default' };
    return { scope: { project: { name: c.projectName, domain } } };
  }
  if (c.domainId) return { scope: { domain: { id: c.domainId } } };
  if (c.domainName) return { scope: { domain: { name: c.domainName } } };
  return {}; // unscoped: enough to list one's projects, not to call other services
}
