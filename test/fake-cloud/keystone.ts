// The fake cloud's Keystone v3: password authentication with project scope (by name or id) and a
// catalog, domains, projects with tags, users with passwords, roles and project role
// assignments. A project-scoped token needs a role on the project, as in Keystone.
import { HttpError, Router, hex32, json, type FakeReply, type FakeRequest, type Service, type TokenInfo } from './http.js';

export interface Domain {
  id: string;
  name: string;
  enabled: boolean;
  description: string;
}
export interface Project {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: boolean;
  tags: string[];
}
export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  email?: string;
  description?: string;
  password?: string;
}
export interface Role {
  id: string;
  name: string;
}

export interface CatalogSource {
  baseUrl(): string;
  catalogTypes(): string[];
  endpointOf(type: string): string;
}

const assignmentKey = (project: string, user: string, role: string) => `${project} ${user} ${role}`;

export class Keystone implements Service {
  readonly type = 'identity';
  readonly prefix = '/identity';
  readonly domains = new Map<string, Domain>();
  readonly projects = new Map<string, Project>();
  readonly users = new Map<string, User>();
  readonly roles = new Map<string, Role>();
  readonly assignments = new Set<string>(); // "project user role"
  readonly tokens = new Map<string, TokenInfo>();
  tokenLifeMs = 3600_000;
  readonly admin: { user: User; project: Project };
  private readonly router = new Router();

  constructor(
    private readonly catalog: CatalogSource,
    o: { adminUser: string; adminPassword: string; adminProject: string; domain: string },
  ) {
    this.domains.set('default', { id: 'default', name: 'Default', enabled: true, description: 'The default domain' });
    let domainId = 'default';
    if (o.domain.toLowerCase() !== 'default') domainId = this.addDomain(o.domain).id;
    for (const name of ['admin', 'member', 'reader']) this.addRole(name);
    const project = this.addProject({ name: o.adminProject, domain_id: domainId, description: 'Bootstrap project' });
    this.addProject({ name: 'service', domain_id: domainId });
    const user = this.addUser({ name: o.adminUser, domain_id: domainId, password: o.adminPassword });
    this.grant(project.id, user.id, this.roleNamed('admin')!.id);
    this.admin = { user, project };
    this.routes();
  }

  // ---- state, for tests that work behind XOS's back ---------------------------------------------

  addDomain(name: string): Domain {
    const d = { id: hex32(), name, enabled: true, description: '' };
    this.domains.set(d.id, d);
    return d;
  }
  addProject(p: Partial<Project> & { name: string }): Project {
    const project: Project = { id: hex32(), domain_id: 'default', description: '', enabled: true, tags: [], ...p };
    this.projects.set(project.id, project);
    return project;
  }
  addUser(u: Partial<User> & { name: string }): User {
    const user: User = { id: hex32(), domain_id: 'default', enabled: true, ...u };
    this.users.set(user.id, user);
    return user;
  }
  addRole(name: string): Role {
    const r = { id: hex32(), name };
    this.roles.set(r.id, r);
    return r;
  }
  roleNamed(name: string) {
    return [...this.roles.values()].find((r) => r.name === name);
  }
  projectNamed(name: string) {
    return [...this.projects.values()].find((p) => p.name === name);
  }
  userNamed(name: string) {
    return [...this.users.values()].find((u) => u.name === name);
  }
  grant(project: string, user: string, role: string) {
    this.assignments.add(assignmentKey(project, user, role));
  }
  revoke(project: string, user: string, role: string) {
    this.assignments.delete(assignmentKey(project, user, role));
  }
  hasRole(project: string, user: string, roleName: string) {
    const r = this.roleNamed(roleName);
    return !!r && this.assignments.has(assignmentKey(project, user, r.id));
  }
  // Role names a user holds on a project.
  rolesOn(project: string, user: string): string[] {
    return [...this.roles.values()].filter((r) => this.assignments.has(assignmentKey(project, user, r.id))).map((r) => r.name);
  }
  // Every token stops working (as after a Keystone restart with new fernet keys).
  revokeTokens() {
    this.tokens.clear();
  }

  // ---- the token every other service checks -----------------------------------------------------

  validate(value: string | undefined): TokenInfo | null {
    if (!value) return null;
    const t = this.tokens.get(value);
    if (!t || t.expiresAt < Date.now()) return null;
    const user = this.users.get(t.userId);
    if (!user?.enabled) return null;
    if (t.projectId && !this.projects.get(t.projectId)?.enabled) return null;
    return t;
  }

  errorBody(status: number, message: string) {
    const title = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }[status] ?? 'Internal Server Error';
    return { error: { code: status, message, title } };
  }

  handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    if (req.method === 'POST' && req.sub === '/v3/auth/tokens') return this.issue(req);
    if (!req.token) throw new HttpError(401, 'The request you have made requires authentication.');
    return this.router.dispatch(req);
  }

  private domainRef(ref: { id?: string; name?: string } | undefined): Domain | undefined {
    if (!ref) return this.domains.get('default');
    if (ref.id) return this.domains.get(ref.id);
    return [...this.domains.values()].find((d) => d.name === ref.name);
  }

  private issue(req: FakeRequest): FakeReply {
    const unauthorized = () => new HttpError(401, 'The request you have made requires authentication.');
    const id = req.json?.auth?.identity;
    if (!id?.methods?.includes('password')) throw unauthorized();
    const u = id.password?.user ?? {};
    const user = u.id
      ? this.users.get(u.id)
      : [...this.users.values()].find((x) => x.name === u.name && x.domain_id === this.domainRef(u.domain)?.id);
    if (!user || !user.enabled || user.password === undefined || user.password !== u.password) throw unauthorized();
    let project: Project | undefined;
    const scope = req.json?.auth?.scope?.project;
    if (scope) {
      project = scope.id
        ? this.projects.get(scope.id)
        : [...this.projects.values()].find((p) => p.name === scope.name && p.domain_id === this.domainRef(scope.domain)?.id);
      if (!project || !project.enabled) throw unauthorized();
      if (!this.rolesOn(project.id, user.id).length) throw unauthorized();
    }
    const value = `fake-${hex32()}`;
    const roles = project ? this.rolesOn(project.id, user.id) : [];
    const info: TokenInfo = { value, userId: user.id, projectId: project?.id ?? null, roles, expiresAt: Date.now() + this.tokenLifeMs };
    this.tokens.set(value, info);
    const domainOf = (d: string) => ({ id: d, name: this.domains.get(d)?.name ?? d });
    const endpoints = (url: string) =>
      (['public', 'internal', 'admin'] as const).map((i) => ({ id: hex32(), interface: i, region_id: 'RegionOne', region: 'RegionOne', url }));
    return json(
      201,
      {
        token: {
          methods: ['password'],
          user: { id: user.id, name: user.name, domain: domainOf(user.domain_id), password_expires_at: null },
          audit_ids: [hex32().slice(0, 22)],
          expires_at: new Date(info.expiresAt).toISOString().replace('Z', '000Z'),
          issued_at: new Date().toISOString(),
          ...(project
            ? {
                project: { id: project.id, name: project.name, domain: domainOf(project.domain_id) },
                is_domain: false,
                roles: roles.map((name) => ({ id: this.roleNamed(name)!.id, name })),
                catalog: this.catalog.catalogTypes().map((type) => ({ id: hex32(), type, name: type, endpoints: endpoints(this.catalog.endpointOf(type)) })),
              }
            : {}),
        },
      },
      { 'X-Subject-Token': value },
    );
  }

  private routes() {
    const r = this.router;
    const v = (p: string) => `/v3${p}`;
    const need = <T>(m: Map<string, T>, id: string, what: string): T => {
      const x = m.get(id);
      if (!x) throw new HttpError(404, `Could not find ${what}: ${id}.`);
      return x;
    };
    const list = <T extends object>(items: T[], q: URLSearchParams, keys: string[]) =>
      items.filter((x) => keys.every((k) => !q.has(k) || String((x as Record<string, unknown>)[k]) === q.get(k)));
    const showUser = ({ password, ...u }: User) => ({ ...u, password_expires_at: null, links: {} });

    r.on('GET', v('/domains'), (req) => json(200, { domains: list([...this.domains.values()], req.query, ['name', 'enabled']), links: { next: null } }));
    r.on('GET', v('/domains/:id'), (_q, p) => json(200, { domain: need(this.domains, p.id, 'domain') }));

    r.on('GET', v('/projects'), (req) => json(200, { projects: list([...this.projects.values()], req.query, ['name', 'domain_id', 'enabled']), links: { next: null } }));
    r.on('GET', v('/projects/:id'), (_q, p) => json(200, { project: need(this.projects, p.id, 'project') }));
    r.on('POST', v('/projects'), (req) => {
      const b = req.json?.project ?? {};
      const domain = b.domain_id ?? 'default';
      if (!b.name) throw new HttpError(400, "Invalid input for field 'name': None is not of type 'string'");
      if (!this.domains.has(domain)) throw new HttpError(400, `Could not find domain: ${domain}.`);
      if ([...this.projects.values()].some((x) => x.name === b.name && x.domain_id === domain))
        throw new HttpError(409, `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${b.name}.`);
      const p = this.addProject({ name: b.name, domain_id: domain, description: b.description ?? '', enabled: b.enabled ?? true, tags: b.tags ?? [] });
      return json(201, { project: p });
    });
    r.on('PATCH', v('/projects/:id'), (req, p) => {
      const project = need(this.projects, p.id, 'project');
      Object.assign(project, pick(req.json?.project ?? {}, ['name', 'description', 'enabled', 'tags']));
      return json(200, { project });
    });
    r.on('DELETE', v('/projects/:id'), (_q, p) => {
      need(this.projects, p.id, 'project');
      this.projects.delete(p.id);
      for (const a of [...this.assignments]) if (a.startsWith(`${p.id} `)) this.assignments.delete(a);
      return json(204);
    });

    r.on('GET', v('/users'), (req) => json(200, { users: list([...this.users.values()], req.query, ['name', 'domain_id', 'enabled']).map(showUser), links: { next: null } }));
    r.on('GET', v('/users/:id'), (_q, p) => json(200, { user: showUser(need(this.users, p.id, 'user')) }));
    r.on('POST', v('/users'), (req) => {
      const b = req.json?.user ?? {};
      const domain = b.domain_id ?? 'default';
      if ([...this.users.values()].some((x) => x.name === b.name && x.domain_id === domain))
        throw new HttpError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${b.name} at domain ID ${domain}.`);
      const u = this.addUser({ ...pick(b, ['name', 'email', 'description', 'password', 'enabled']), domain_id: domain } as User);
      return json(201, { user: showUser(u) });
    });
    r.on('PATCH', v('/users/:id'), (req, p) => {
      const u = need(this.users, p.id, 'user');
      Object.assign(u, pick(req.json?.user ?? {}, ['name', 'email', 'description', 'password', 'enabled']));
      return json(200, { user: showUser(u) });
    });
    r.on('DELETE', v('/users/:id'), (_q, p) => {
      need(this.users, p.id, 'user');
      this.users.delete(p.id);
      for (const a of [...this.assignments]) if (a.split(' ')[1] === p.id) this.assignments.delete(a);
      return json(204);
    });

    r.on('GET', v('/roles'), (req) => json(200, { roles: list([...this.roles.values()], req.query, ['name']), links: { next: null } }));
    r.on('POST', v('/roles'), (req) => {
      const name = req.json?.role?.name;
      if (this.roleNamed(name)) throw new HttpError(409, `Conflict occurred attempting to store role - Duplicate entry found with name ${name}.`);
      return json(201, { role: this.addRole(name) });
    });

    const assignment = (p: Record<string, string>) => {
      need(this.projects, p.project, 'project');
      need(this.users, p.user, 'user');
      need(this.roles, p.role, 'role');
      return assignmentKey(p.project, p.user, p.role);
    };
    const path = v('/projects/:project/users/:user/roles/:role');
    r.on('GET', path, (_q, p) => {
      // (HEAD comes here too)
      if (!this.assignments.has(assignment(p))) throw new HttpError(404, `Could not find role assignment with role: ${p.role}, user or group: ${p.user}, project, domain, or system: ${p.project}.`);
      return json(204);
    });
    r.on('PUT', path, (_q, p) => {
      this.assignments.add(assignment(p));
      return json(204);
    });
    r.on('DELETE', path, (_q, p) => {
      const k = assignment(p);
      if (!this.assignments.delete(k)) throw new HttpError(404, `Could not find role assignment with role: ${p.role}, user or group: ${p.user}, project, domain, or system: ${p.project}.`);
      return json(204);
    });
    r.on('GET', v('/role_assignments'), (req) => {
      const q = req.query;
      const out = [...this.assignments]
        .map((a) => a.split(' '))
        .filter(([p, u, ro]) => (!q.has('scope.project.id') || q.get('scope.project.id') === p) && (!q.has('user.id') || q.get('user.id') === u) && (!q.has('role.id') || q.get('role.id') === ro))
        .map(([p, u, ro]) => ({ role: { id: ro }, user: { id: u }, scope: { project: { id: p } } }));
      return json(200, { role_assignments: out, links: { next: null } });
    });
  }
}

export function pick<T extends object>(o: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k))) as Partial<T>;
}
