// What the first screen needs, asked for the moment the script runs rather than after React has
// rendered once and run its effects: the UI configuration and, with a session, who is logged in
// and the model definitions; then, on a list page, its first page of rows and the names of the
// rows they refer to. The session and the list page take these answers instead of asking again.
// main.tsx imports this first, so it runs before the rest of the app is evaluated.
import { api, cookie, type Me, type UiConfig } from './api';
import type { ModelInfo } from './meta';
import { fetchListPage, listRequest } from './list-query';
import { setTitleModels } from './titles';

interface Boot {
  config: Promise<UiConfig>;
  session: Promise<[Me, ModelInfo[]]> | null;
}

const quiet = <T>(p: Promise<T>) => {
  p.catch(() => {}); // whoever takes the promise handles its failure; this start alone must not
  return p;
};

// Who is logged in and the model definitions: what a session starts from.
export const askSession = () => Promise.all([api.me(), api.models() as Promise<ModelInfo[]>]);

let boot: Boot | null = {
  config: quiet(api.uiConfig()),
  session: cookie('xos_csrf') ? quiet(askSession()) : null,
};

// The first page's list, by its request key, taken once by the list page that asks for it.
const lists = new Map<string, ReturnType<typeof fetchListPage>>();

boot.session?.then(([, models]) => {
  const plural = /^\/([a-z_]+)\/?$/.exec(location.pathname)?.[1];
  const model = models.find((m) => m.plural === plural);
  if (!model) return;
  setTitleModels(models);
  const request = listRequest(model, new URLSearchParams(location.search));
  lists.set(request.key, quiet(fetchListPage(model, request)));
}, () => {});

// The requests started at load, once: a later login asks afresh.
export function takeBoot(): Boot | null {
  const b = boot;
  boot = null;
  return b;
}

export function takePrefetchedList(key: string) {
  const p = lists.get(key);
  lists.delete(key);
  return p;
}
