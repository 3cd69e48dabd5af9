// `xos login` and `xos logout`: the CLI's own API token, saved for the commands that follow.
import type { Command } from 'commander';
import { ApiError, api, forgetLogin, saveLogin, type Connection } from './client.js';
import { readPassword } from './read-password.js';

export function addLoginCommands(program: Command, conn: () => Connection) {
  program
    .command('login')
    .description('Log in to a running XOS and keep the token for later commands')
    .requiredOption('--email <email>', 'login email')
    .option('--password <password>', 'password (default: $XOS_PASSWORD, else asked for without echo, or read from a pipe)')
    .action(async (o: { email: string; password?: string }) => {
      const password = o.password ?? process.env.XOS_PASSWORD ?? (await readPassword('Password: '));
      if (!password) throw new Error('no password: give --password, set XOS_PASSWORD, or type it when asked (or pipe it in)');
      const c = { ...conn(), authorization: undefined };
      const res = await api<{ token: string }>(c, 'POST', '/api/auth/login', { email: o.email, password }).catch((e: unknown) => {
        // Sent without credentials, this call would otherwise be answered "not logged in".
        if (e instanceof ApiError && e.status === 401) throw new ApiError(401, { detail: 'wrong email or password' });
        throw e;
      });
      // A long-lived API token suits a CLI better than the browser session it logged in with.
      const authed = { ...c, authorization: `Bearer ${res.token}` };
      const tok = await api<{ token: string }>(authed, 'POST', '/api/auth/tokens', { name: `xos cli ${new Date().toISOString()}` });
      await api(authed, 'POST', '/api/auth/logout');
      console.log(`logged in to ${c.url} as ${o.email}; token saved in ${saveLogin(c.url, tok.token, o.email)}`);
    });
  program
    .command('logout')
    .description('Forget the saved login')
    .action(() => {
      forgetLogin();
      console.log('logged out');
    });
}
