import type { Lang } from '../i18n/language';
import type { Messages } from '../i18n/messages';

/** Who is logged in, as the layout shows them. */
export interface PageUser {
  displayName: string;
  kind: 'operator' | 'clinician';
  roles: readonly string[];
}

/** What every page gets: its language and texts, the user (if any) and their session's CSRF token. */
export interface PageContext {
  lang: Lang;
  t: Messages;
  /** The page's own path and query, for the language switch to come back to. */
  path: string;
  user?: PageUser;
  csrf?: string;
  /** The OpenID Connect login button's text, when the hub offers one. */
  oidcLabel?: string;
}

/** Where the pages' stylesheet is served. */
export const STYLESHEET_PATH = '/pages/assets/pages.css';
