import type { Html } from '../jsx/jsx-runtime';
import { Layout } from './layout';
import type { PageContext } from './page';

export type PageErrorKind = 'csrf' | 'forbidden' | 'not-found' | 'internal' | 'refused';

/** `refused`: the action cannot be done now; `detail` says why (a service's message, never patient data). */
export function ErrorPage(props: {
  page: PageContext;
  kind: PageErrorKind;
  errorId?: string;
  detail?: string;
}): Html {
  const { t } = props.page;
  const text =
    props.kind === 'csrf'
      ? t.errors.csrf
      : props.kind === 'forbidden'
        ? t.errors.forbidden
        : props.kind === 'not-found'
          ? t.errors.notFound
          : props.kind === 'refused'
            ? (props.detail ?? '')
            : `${t.errors.internal} ${props.errorId ?? ''}`;
  return (
    <Layout page={props.page} title={t.errors.title}>
      <p class="notice error" role="alert">
        {text}
      </p>
      <p>
        <a href="/">{t.errors.backHome}</a>
      </p>
    </Layout>
  );
}
