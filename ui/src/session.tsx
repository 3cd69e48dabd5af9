// Who is logged in, the model definitions they may use, and the UI configuration.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, cookie, onUnauthorized, type Me, type UiConfig } from './api';
import type { ModelInfo } from './meta';
import { setTitleModels } from './titles';
import { startLive, stopLive } from './live';
import { askSession, takeBoot } from './boot';

export interface Session {
  config: UiConfig;
  me: Me;
  models: ModelInfo[];
  byPlural: Map<string, ModelInfo>;
  byName: Map<string, ModelInfo>;
  isAdmin: boolean;
  readOnly: boolean;
  logout: () => Promise<void>;
}

type State =
  | { kind: 'loading'; config: UiConfig | null }
  | { kind: 'out'; config: UiConfig; expired: boolean }
  | { kind: 'in'; session: Session }
  | { kind: 'failed'; message: string };


const Ctx = createContext<Session | null>(null);

export const useSessionOptional = () => useContext(Ctx);

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside a session');
  return s;
}

export function useModel(plural: string): ModelInfo | undefined {
  return useSession().byPlural.get(plural);
}

const FALLBACK: UiConfig = { branding_name: 'XOS', disable_minidashboard: false };

export function useSessionState() {
  const [state, setState] = useState<State>({ kind: 'loading', config: null });

  const logout = useCallback(async () => {
    stopLive();
    await api.logout().catch(() => {});
    setState((s) => ({ kind: 'out', config: s.kind === 'in' ? s.session.config : FALLBACK, expired: false }));
  }, []);

  const enter = useCallback(
    // `started`: who is logged in and the models, when already asked for (at start-up)
    async (configP: Promise<UiConfig>, started?: Promise<[Me, ModelInfo[]]>) => {
      const [config, [me, models]] = await Promise.all([configP, started ?? askSession()]);
      setTitleModels(models);
      const session: Session = {
        config,
        me,
        models,
        byPlural: new Map(models.map((m) => [m.plural, m])),
        byName: new Map(models.map((m) => [m.name, m])),
        isAdmin: me.is_admin,
        readOnly: me.is_readonly,
        logout,
      };
      setState({ kind: 'in', session });
      startLive(() => expire());
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [logout],
  );

  const expire = useCallback(() => {
    stopLive();
    setState((s) => (s.kind === 'in' ? { kind: 'out', config: s.session.config, expired: true } : s));
  }, []);

  useEffect(() => {
    onUnauthorized(expire);
    let cancelled = false;
    (async () => {
      // The configuration, and with a session (its CSRF cookie is readable) who is logged in,
      // all at once; without that cookie there is no session: the login form shows at once.
      const boot = takeBoot();
      const configP = boot?.config ?? api.uiConfig();
      if (boot ? boot.session : cookie('xos_csrf')) {
        try {
          await enter(configP, boot?.session ?? undefined);
          return;
        } catch {
          /* the session has expired: log in again */
        }
      }
      try {
        const config = await configP;
        if (!cancelled) setState({ kind: 'out', config, expired: false });
      } catch (e) {
        if (!cancelled) setState({ kind: 'failed', message: (e as Error).message });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [enter, expire]);

  const login = useCallback(
    async (email: string, password: string) => {
      const config = state.kind === 'out' ? state.config : FALLBACK;
      await api.login(email, password);
      await enter(Promise.resolve(config));
    },
    [enter, state],
  );

  return { state, login };
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  const value = useMemo(() => session, [session]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
