import { type Child, type Html, raw } from '../jsx/jsx-runtime';
import { type PageContext, STYLESHEET_PATH } from './page';

/** The hidden field every form of a session carries. */
export function Csrf(props: { token: string | undefined }): Html {
  return <input type="hidden" name="_csrf" value={props.token ?? ''} />;
}

function Navigation({ page }: { page: PageContext }): Html {
  const { t, user } = page;
  return (
    <nav aria-label={t.mainNav}>
      <ul>
        <li>
          <a href="/">{t.nav.home}</a>
        </li>
        {user?.kind === 'clinician' ? (
          <li>
            <a href="/clinician">{t.nav.clinician}</a>
          </li>
        ) : null}
        {user?.roles.includes('admin') ? (
          <li>
            <a href="/operator">{t.operator.nav}</a>
          </li>
        ) : null}
        {user?.roles.includes('admin') ? (
          <li>
            <a href="/operator/accounts">{t.accounts.title}</a>
          </li>
        ) : null}
        {user?.roles.includes('mailroom') ? (
          <li>
            <a href="/mailroom">{t.mailroom.nav}</a>
          </li>
        ) : null}
        {user?.roles.includes('identity-review') ? (
          <li>
            <a href="/identity">{t.identity.nav}</a>
          </li>
        ) : null}
        {user ? (
          <li>
            {t.signedInAs} <strong>{user.displayName}</strong>
          </li>
        ) : null}
        {user ? (
          <li>
            <form method="post" action="/logout" class="inline">
              <Csrf token={page.csrf} />
              <button type="submit" class="link">
                {t.logout}
              </button>
            </form>
          </li>
        ) : null}
        <li>
          <a
            href={`/language?set=${t.otherLanguage.code}&back=${encodeURIComponent(page.path)}`}
            lang={t.otherLanguage.code}
            hreflang={t.otherLanguage.code}
          >
            {t.otherLanguage.label}
          </a>
        </li>
      </ul>
    </nav>
  );
}

/** Every page: its language, a skip link, the site's header and navigation, one h1, a footer. */
export function Layout(props: {
  page: PageContext;
  title: string;
  /** The hub's own scripts (progressive enhancement only: every page works without them). */
  scripts?: readonly string[];
  children?: Child;
}): Html {
  const { page } = props;
  const { t } = page;
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={t.htmlLang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} – ${t.siteName}`}</title>
          <link rel="stylesheet" href={STYLESHEET_PATH} />
          {(props.scripts ?? []).map((src) => (
            <script src={src} defer></script>
          ))}
        </head>
        <body>
          <a class="skip" href="#main">
            {t.skipToContent}
          </a>
          <header class="site">
            <div class="bar">
              <a class="brand" href="/">
                {t.siteName}
              </a>
              <Navigation page={page} />
            </div>
          </header>
          <main id="main" tabindex="-1">
            <h1>{props.title}</h1>
            {props.children}
          </main>
          <footer class="site">
            <p>{t.footer}</p>
          </footer>
        </body>
      </html>
    </>
  );
}
