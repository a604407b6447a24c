import type { Html } from '../jsx/jsx-runtime';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

export type LoginProblem = 'invalid' | 'locked' | 'expired' | 'logged-out' | 'oidc-unknown' | 'oidc-failed';

/** The login form; `next` is where to go once logged in (a local path). */
export function LoginForm(props: { page: PageContext; next?: string; username?: string }): Html {
  const { t, oidcLabel } = props.page;
  return (
    <>
      {oidcLabel ? (
        <>
          <p>
            <a
              class="button"
              href={`/login/oidc${props.next ? `?next=${encodeURIComponent(props.next)}` : ''}`}
            >
              {`${t.login.oidc} ${oidcLabel}`}
            </a>
          </p>
          <p>{t.login.or}</p>
        </>
      ) : null}
      <form method="post" action="/login">
        <Csrf token={props.page.csrf} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <div class="field">
          <label for="username">{t.login.username}</label>
          <input
            type="text"
            id="username"
            name="username"
            autocomplete="username"
            required
            value={props.username ?? ''}
          />
        </div>
        <div class="field">
          <label for="password">{t.login.password}</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
        </div>
        <button type="submit">{t.login.submit}</button>
      </form>
    </>
  );
}

const MESSAGE: Record<
  LoginProblem,
  'invalid' | 'locked' | 'expired' | 'loggedOut' | 'oidcUnknown' | 'oidcFailed'
> = {
  invalid: 'invalid',
  locked: 'locked',
  expired: 'expired',
  'logged-out': 'loggedOut',
  'oidc-unknown': 'oidcUnknown',
  'oidc-failed': 'oidcFailed',
};

export function LoginPage(props: {
  page: PageContext;
  problem?: LoginProblem;
  next?: string;
  username?: string;
}): Html {
  const { t } = props.page;
  const problem = props.problem;
  return (
    <Layout page={props.page} title={t.login.title}>
      {problem ? (
        <p
          class={problem === 'logged-out' ? 'notice' : 'notice error'}
          role={problem === 'logged-out' ? 'status' : 'alert'}
        >
          {t.login[MESSAGE[problem]]}
        </p>
      ) : null}
      <LoginForm page={props.page} next={props.next} username={props.username} />
    </Layout>
  );
}
