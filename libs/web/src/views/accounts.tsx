import type { Html } from '../jsx/jsx-runtime';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

export interface AccountRow {
  username: string;
  displayName: string;
  kind: 'operator' | 'clinician';
  roles: readonly string[];
  agency: string | null;
  practitioner: string | null;
  state: 'active' | 'locked' | 'disabled';
}

export interface AccountsPageProps {
  page: PageContext;
  accounts: AccountRow[];
  agencies: { id: string; name: string }[];
  roles: readonly ('admin' | 'mailroom' | 'identity-review')[];
  /** A password just set: shown this once. */
  password?: { username: string; password: string };
  notice?: { done: string } | { problem: string };
}

function Action(props: { page: PageContext; username: string; action: string; label: string }): Html {
  return (
    <form
      method="post"
      action={`/operator/accounts/${encodeURIComponent(props.username)}/${props.action}`}
      class="inline"
    >
      <Csrf token={props.page.csrf} />
      <button type="submit" class="secondary" aria-label={`${props.label} ${props.username}`}>
        {props.label}
      </button>
    </form>
  );
}

/** Account management for admins: the list, add an account, disable, enable, unlock, new password. */
export function AccountsPage(props: AccountsPageProps): Html {
  const { page, notice } = props;
  const a = page.t.accounts;
  return (
    <Layout page={page} title={a.title}>
      {notice && 'problem' in notice ? (
        <p class="notice error" role="alert">
          {notice.problem}
        </p>
      ) : null}
      {notice && 'done' in notice ? (
        <p class="notice" role="status">
          {a.done} {notice.done}
        </p>
      ) : null}
      {props.password ? (
        <p class="warning" role="status">
          {a.passwordOnce} <strong>{props.password.username}</strong> {a.passwordOnceAfter}{' '}
          <code>{props.password.password}</code>
        </p>
      ) : null}
      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading">{a.list}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{a.username}</th>
              <th scope="col">{a.name}</th>
              <th scope="col">{a.kind}</th>
              <th scope="col">{a.rolesOrAgency}</th>
              <th scope="col">{a.state}</th>
              <th scope="col">{a.actions}</th>
            </tr>
          </thead>
          <tbody>
            {props.accounts.map((acc) => (
              <tr>
                <th scope="row">{acc.username}</th>
                <td>{acc.displayName}</td>
                <td>{a.kinds[acc.kind]}</td>
                <td>
                  {acc.kind === 'operator'
                    ? acc.roles.join(', ')
                    : `${acc.agency ?? ''} (${acc.practitioner ?? ''})`}
                </td>
                <td>{a.states[acc.state]}</td>
                <td>
                  <div class="actions">
                    {acc.state === 'disabled' ? (
                      <Action page={page} username={acc.username} action="enable" label={a.enable} />
                    ) : (
                      <Action page={page} username={acc.username} action="disable" label={a.disable} />
                    )}
                    {acc.state === 'locked' ? (
                      <Action page={page} username={acc.username} action="unlock" label={a.unlock} />
                    ) : null}
                    <Action page={page} username={acc.username} action="password" label={a.newPassword} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="create-heading">
        <h2 id="create-heading">{a.create}</h2>
        <p class="hint">{a.createHelp}</p>
        <form method="post" action="/operator/accounts">
          <Csrf token={page.csrf} />
          <div class="field">
            <label for="kind">{a.kind}</label>
            <select id="kind" name="kind">
              <option value="clinician">{a.kinds.clinician}</option>
              <option value="operator">{a.kinds.operator}</option>
            </select>
          </div>
          <div class="field">
            <label for="new-username">{a.username}</label>
            <input type="text" id="new-username" name="username" required autocomplete="off" />
          </div>
          <div class="field">
            <label for="new-name">{a.name}</label>
            <input type="text" id="new-name" name="displayName" required autocomplete="off" />
          </div>
          <fieldset>
            <legend>{a.roles}</legend>
            {props.roles.map((role) => (
              <div class="check">
                <input type="checkbox" id={`role-${role}`} name="roles" value={role} />
                <label for={`role-${role}`}>{a.roleNames[role]}</label>
              </div>
            ))}
          </fieldset>
          <div class="field">
            <label for="new-agency">{a.agency}</label>
            <select id="new-agency" name="agency">
              <option value="">–</option>
              {props.agencies.map((ag) => (
                <option value={ag.id}>{`${ag.name} (${ag.id})`}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="new-practitioner">{a.practitioner}</label>
            <p class="hint" id="practitioner-hint">
              {a.practitionerHint}
            </p>
            <input
              type="text"
              id="new-practitioner"
              name="practitioner"
              aria-describedby="practitioner-hint"
              autocomplete="off"
            />
          </div>
          <button type="submit">{a.add}</button>
        </form>
      </section>
    </Layout>
  );
}
