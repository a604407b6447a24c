import type { SummaryView } from '@passerelle/letters';
import type { Html } from '../jsx/jsx-runtime';
import { type Acting, ActingFor } from './clinician';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

export interface SummaryPageProps {
  page: PageContext;
  acting: Acting;
  patientId: string;
  view: SummaryView;
  /** The agencies whose data the summary shows, by name. */
  agencies: string[];
  /** How the summary was opened: a purpose of use, or break-glass with its reason. */
  access: { purpose: string } | { breakGlassReason: string };
  /** Set once a printed copy was asked for: the letter's reference and status. */
  printedCopy?: { reference: string; status: string };
}

/**
 * The summary as a page: the patient's identity, then one section per IPS section, each entry
 * with its source agency and dates. Only what the Bundle holds: the consent scope built it.
 */
export function SummaryPage(props: SummaryPageProps): Html {
  const { page, view } = props;
  const { t } = page;
  const pdfPath = `/clinician/patients/${encodeURIComponent(props.patientId)}/summary.pdf`;
  return (
    <Layout page={page} title={`${t.summary.title}: ${view.patient?.name ?? props.patientId}`}>
      <ActingFor page={page} acting={props.acting} />
      {'breakGlassReason' in props.access ? (
        <p class="warning" role="status">
          {t.clinician.breakGlassActive}
        </p>
      ) : null}
      <dl class="facts">
        <dt>{t.summary.patient}</dt>
        <dd>{view.patient?.name ?? ''}</dd>
        {view.patient?.birthDate ? (
          <>
            <dt>{t.clinician.birthdate}</dt>
            <dd>{formatFhirDate(view.patient.birthDate, page.lang)}</dd>
          </>
        ) : null}
        {(view.patient?.identifiers.length ?? 0) > 0 ? (
          <>
            <dt>{t.summary.identifiers}</dt>
            <dd>{view.patient?.identifiers.join(', ')}</dd>
          </>
        ) : null}
        <dt>{t.summary.generated}</dt>
        <dd>{formatFhirDate(view.date, page.lang)}</dd>
      </dl>
      <div class="actions">
        {'purpose' in props.access ? (
          <a class="button" href={`${pdfPath}?purpose=${encodeURIComponent(props.access.purpose)}`}>
            {t.summary.pdf}
          </a>
        ) : (
          <form method="post" action={pdfPath} class="inline">
            <Csrf token={page.csrf} />
            <input type="hidden" name="reason" value={props.access.breakGlassReason} />
            <button type="submit">{t.summary.pdf}</button>
          </form>
        )}
        <a href="/clinician">{t.summary.back}</a>
      </div>
      {props.printedCopy ? (
        <p class="notice" role="status">
          {t.summary.printedCopyRequested} <strong>{props.printedCopy.reference}</strong>.{' '}
          {t.summary.printedCopyStatus} {props.printedCopy.status}
        </p>
      ) : 'purpose' in props.access ? (
        <form
          method="post"
          action={`/clinician/patients/${encodeURIComponent(props.patientId)}/printed-copy`}
        >
          <Csrf token={page.csrf} />
          <input type="hidden" name="purpose" value={props.access.purpose} />
          <p class="hint" id="printed-copy-help">
            {t.summary.printedCopyHelp}
          </p>
          <button type="submit" class="secondary" aria-describedby="printed-copy-help">
            {t.summary.printedCopy}
          </button>
        </form>
      ) : null}
      <h2>{t.summary.agencies}</h2>
      {props.agencies.length === 0 ? (
        <p>{t.summary.noAgencies}</p>
      ) : (
        <ul>
          {props.agencies.map((a) => (
            <li>{a}</li>
          ))}
        </ul>
      )}
      {view.sections.map((section) => (
        <section aria-labelledby={`section-${section.key}`}>
          <h2 id={`section-${section.key}`}>{t.summary.sections[section.key]}</h2>
          {section.items.length === 0 ? (
            <p>{t.summary.nothing}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.summary.item}</th>
                  <th scope="col">{t.summary.detail}</th>
                  <th scope="col">{t.summary.status}</th>
                  <th scope="col">{t.summary.date}</th>
                  <th scope="col">{t.summary.source}</th>
                  <th scope="col">{t.summary.recorded}</th>
                </tr>
              </thead>
              <tbody>
                {section.items.map((item) => (
                  <tr>
                    <td>{item.text || item.resourceType}</td>
                    <td>{item.detail ?? ''}</td>
                    <td>{item.status ?? ''}</td>
                    <td>{formatFhirDate(item.date, page.lang)}</td>
                    <td>{item.agency ?? ''}</td>
                    <td>{formatFhirDate(item.recorded, page.lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </Layout>
  );
}
