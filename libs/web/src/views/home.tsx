import type { Html } from '../jsx/jsx-runtime';
import { Layout } from './layout';
import { LoginForm } from './login';
import type { PageContext } from './page';

export interface HomeFacts {
  databaseUp: boolean;
}

/** `/`: what the hub is, a login (or the user's pages), links for developers, the hub's health. */
export function HomePage(props: { page: PageContext; facts: HomeFacts }): Html {
  const { page } = props;
  const { t } = page;
  return (
    <Layout page={page} title={t.home.title}>
      <p>{t.home.intro}</p>
      <ul>
        <li>{t.home.forClinicians}</li>
        <li>{t.home.forOperators}</li>
      </ul>
      {page.user ? (
        <>
          <h2>{t.home.yourPages}</h2>
          <ul>
            {page.user.kind === 'clinician' ? (
              <li>
                <a href="/clinician">{t.nav.clinician}</a>
              </li>
            ) : null}
            {page.user.roles.includes('admin') ? (
              <li>
                <a href="/operator">{t.operator.title}</a>
              </li>
            ) : null}
            {page.user.roles.includes('identity-review') ? (
              <li>
                <a href="/identity">{t.identity.title}</a>
              </li>
            ) : null}
            {page.user.roles.includes('mailroom') ? (
              <li>
                <a href="/mailroom">{t.mailroom.title}</a>
              </li>
            ) : null}
          </ul>
        </>
      ) : (
        <>
          <h2>{t.login.title}</h2>
          <LoginForm page={page} />
        </>
      )}
      <h2>{t.home.health}</h2>
      <p class={props.facts.databaseUp ? 'status-ok' : 'status-down'} role="status">
        {props.facts.databaseUp ? t.home.healthOk : t.home.healthDown}
      </p>
      <h2>{t.home.links}</h2>
      <ul>
        <li>
          <a href="/fhir/metadata">{t.home.fhirApi}</a>
        </li>
        <li>
          <a href="/fhir/.well-known/smart-configuration">{t.home.smart}</a>
        </li>
        <li>
          <a href="/admin/docs">{t.home.adminDocs}</a>
        </li>
      </ul>
    </Layout>
  );
}
