/**
 * The hub's pages as HTML: a small JSX runtime that escapes everything, the texts in French and
 * English, and the views. Pure: no database, no Nest; the hub's web controllers pass data in.
 */
export { escapeHtml, Html, raw, type Child } from './jsx/jsx-runtime';
export { DEFAULT_LANG, isLang, PAGE_LANGUAGES, pickLanguage, type Lang } from './i18n/language';
export { messagesFor, type Messages } from './i18n/messages';
export { PAGES_CSS } from './styles';
export { STYLESHEET_PATH, type PageContext, type PageUser } from './views/page';
export { HomePage, type HomeFacts } from './views/home';
export { LoginPage, type LoginProblem } from './views/login';
export { ErrorPage, type PageErrorKind } from './views/error';
export {
  BreakGlassChoicePage,
  ClinicianSearchPage,
  PAGE_PURPOSES,
  type Acting,
  type PagePurpose,
  type PatientHit,
  type SearchForm,
} from './views/clinician';
export { SummaryPage, type SummaryPageProps } from './views/summary';
export { formatFhirDate } from './views/format';
export { ADDRESS_REASONS, MailroomPage, type MailroomDone, type MailroomPageProps } from './views/mailroom';
export { ADDRESS_FORM_LINES, checkAnswer, LetterPage, type LetterPageProps } from './views/letter';
export { ADDRESS_CHECK_SCRIPT, ADDRESS_CHECK_SCRIPT_PATH } from './address-check-script';
export {
  IdentityReviewPage,
  type IdentityDone,
  type IdentityPageProps,
  type ReviewCandidate,
  type ReviewRecord,
} from './views/identity';
export { CONFIRM_REASONS, REJECT_REASONS, type ReviewReason } from './i18n/identity-messages';
export {
  OperatorPage,
  type AgencyRow,
  type DeadLetterRow,
  type OperatorPageProps,
  type QueueRow,
} from './views/operator';
export { AccountsPage, type AccountRow, type AccountsPageProps } from './views/accounts';
