import type { Html } from '../jsx/jsx-runtime';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

/** The purposes a clinician may choose on the page (break-glass, ETREAT, has its own form). */
export const PAGE_PURPOSES = ['TREAT', 'HOPERAT', 'PATRQT'] as const;
export type PagePurpose = (typeof PAGE_PURPOSES)[number];

export interface Acting {
  agencyName: string;
  practitioner: string;
}

export interface PatientHit {
  id: string;
  name: string;
  birthDate?: string;
  identifiers: string[];
}

export interface SearchForm {
  identifier?: string;
  family?: string;
  birthdate?: string;
  purpose: PagePurpose;
}

export function ActingFor(props: { page: PageContext; acting: Acting }): Html {
  const { t } = props.page;
  return (
    <p class="notice">
      {t.clinician.actingFor} <strong>{props.acting.agencyName}</strong> ({t.clinician.practitioner}{' '}
      {props.acting.practitioner})
    </p>
  );
}

function PurposeSelect(props: { page: PageContext; selected: PagePurpose }): Html {
  const { t } = props.page;
  return (
    <div class="field">
      <label for="purpose">{t.clinician.purpose}</label>
      <select id="purpose" name="purpose">
        {PAGE_PURPOSES.map((p) => (
          <option value={p} selected={p === props.selected}>
            {t.clinician.purposes[p]}
          </option>
        ))}
      </select>
    </div>
  );
}

function BreakGlassForm(props: { page: PageContext; identifier?: string; patientId?: string }): Html {
  const { t } = props.page;
  return (
    <details>
      <summary>{t.clinician.breakGlass}</summary>
      <div class="warning">
        <p>{t.clinician.breakGlassHelp}</p>
        <form method="post" action="/clinician/break-glass">
          <Csrf token={props.page.csrf} />
          {props.patientId ? <input type="hidden" name="patient" value={props.patientId} /> : null}
          {props.patientId ? null : (
            <div class="field">
              <label for="bg-identifier">{t.clinician.breakGlassIdentifier}</label>
              <input
                type="text"
                id="bg-identifier"
                name="identifier"
                required
                value={props.identifier ?? ''}
              />
            </div>
          )}
          <div class="field">
            <label for="bg-reason">{t.clinician.breakGlassReason}</label>
            <textarea id="bg-reason" name="reason" rows="3" maxlength="500" required></textarea>
          </div>
          <div class="field check">
            <input type="checkbox" id="bg-confirm" name="confirm" value="yes" required />
            <label for="bg-confirm">{t.clinician.breakGlassConfirm}</label>
          </div>
          <button type="submit" class="danger">
            {t.clinician.breakGlassSubmit}
          </button>
        </form>
      </div>
    </details>
  );
}

export function ClinicianSearchPage(props: {
  page: PageContext;
  acting: Acting;
  form: SearchForm;
  problem?: string;
  results?: PatientHit[];
  breakGlassAllowed: boolean;
}): Html {
  const { page, form } = props;
  const { t } = page;
  return (
    <Layout page={page} title={t.clinician.title}>
      <ActingFor page={page} acting={props.acting} />
      <form method="get" action="/clinician/search">
        <fieldset>
          <legend>{t.clinician.searchLegend}</legend>
          <p class="hint">{t.clinician.searchHelp}</p>
          {props.problem ? (
            <p class="notice error" role="alert" id="search-problem">
              {props.problem}
            </p>
          ) : null}
          <div class="field">
            <label for="identifier">{t.clinician.identifier}</label>
            <input
              type="text"
              id="identifier"
              name="identifier"
              value={form.identifier ?? ''}
              autocomplete="off"
            />
          </div>
          <div class="field">
            <label for="family">{t.clinician.family}</label>
            <input type="text" id="family" name="family" value={form.family ?? ''} autocomplete="off" />
          </div>
          <div class="field">
            <label for="birthdate">{t.clinician.birthdate}</label>
            <p class="hint" id="birthdate-hint">
              {t.clinician.birthdateHint}
            </p>
            <input
              type="text"
              id="birthdate"
              name="birthdate"
              inputmode="numeric"
              pattern="\d{4}-\d{2}-\d{2}"
              aria-describedby="birthdate-hint"
              value={form.birthdate ?? ''}
              autocomplete="off"
            />
          </div>
          <PurposeSelect page={page} selected={form.purpose} />
          <button type="submit">{t.clinician.search}</button>
        </fieldset>
      </form>
      {props.results ? (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{t.clinician.results}</h2>
          {props.results.length === 0 ? (
            <p role="status">{t.clinician.noResults}</p>
          ) : (
            <ul>
              {props.results.map((hit) => (
                <li>
                  <a href={`/clinician/patients/${encodeURIComponent(hit.id)}?purpose=${form.purpose}`}>
                    {hit.name}
                  </a>
                  {hit.birthDate ? `, ${t.clinician.born} ${formatFhirDate(hit.birthDate, page.lang)}` : ''}
                  {hit.identifiers.length > 0 ? ` (${hit.identifiers.join(', ')})` : ''}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      {props.breakGlassAllowed ? <BreakGlassForm page={page} identifier={form.identifier} /> : null}
    </Layout>
  );
}

/** Break-glass found several records: the clinician picks one, the reason carried along. */
export function BreakGlassChoicePage(props: {
  page: PageContext;
  acting: Acting;
  reason: string;
  results: PatientHit[];
}): Html {
  const { page } = props;
  const { t } = page;
  return (
    <Layout page={page} title={t.clinician.breakGlass}>
      <ActingFor page={page} acting={props.acting} />
      <p class="warning">{t.clinician.breakGlassActive}</p>
      <h2>{t.clinician.results}</h2>
      <ul>
        {props.results.map((hit) => (
          <li>
            <form method="post" action="/clinician/break-glass" class="inline">
              <Csrf token={page.csrf} />
              <input type="hidden" name="patient" value={hit.id} />
              <input type="hidden" name="reason" value={props.reason} />
              <input type="hidden" name="confirm" value="yes" />
              <button type="submit" class="link">
                {hit.name}
              </button>
            </form>
            {hit.birthDate ? `, ${t.clinician.born} ${formatFhirDate(hit.birthDate, page.lang)}` : ''}
            {hit.identifiers.length > 0 ? ` (${hit.identifiers.join(', ')})` : ''}
          </li>
        ))}
      </ul>
    </Layout>
  );
}
