import {
  invalidClient,
  invalidRequest,
  invalidScope,
  type OAuthError,
  unsupportedGrantType,
} from './oauth-error';
import { isFormContentType, readTokenForm, resolveUseContext, type TokenForm } from './token.service';

function refusal(f: () => unknown): OAuthError {
  try {
    f();
  } catch (e) {
    return e as OAuthError;
  }
  throw new Error('expected a refusal');
}

describe('OAuth errors', () => {
  it('answer RFC 6749 codes with a status and a description that names no check', () => {
    expect(invalidClient('kid is not registered').status).toBe(401);
    for (const e of [invalidRequest('x'), invalidScope('x'), unsupportedGrantType('x')])
      expect(e.status).toBe(400);
    const body = invalidClient('jti has already been used', 'chu-nantes').body;
    expect(body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(JSON.stringify(body)).not.toMatch(/jti|chu-nantes/);
  });
});

describe('readTokenForm', () => {
  it('keeps the parameters it knows, drops empty ones and ignores the rest', () => {
    expect(readTokenForm({ grant_type: 'client_credentials', scope: '', extra: 'x' })).toEqual({
      grant_type: 'client_credentials',
    });
  });

  it.each([
    ['a repeated parameter', { scope: ['system/*.rs', 'system/*.cruds'] }],
    ['a non-text parameter', { scope: 3 }],
    ['no body', undefined],
    ['a JSON array', []],
  ])('refuses %s', (_name, body) => {
    expect(refusal(() => readTokenForm(body)).error).toBe('invalid_request');
  });

  it('never reads inherited properties', () => {
    const body: unknown = JSON.parse('{"__proto__": {"grant_type": "client_credentials"}}');
    expect(readTokenForm(body)).toEqual({});
  });
});

describe('resolveUseContext', () => {
  it.each<[string, Record<string, unknown>, TokenForm, object]>([
    ['nothing', {}, {}, {}],
    ['a purpose from the form', {}, { purpose_of_use: 'TREAT' }, { purposeOfUse: 'TREAT' }],
    [
      'the signed claim over the form',
      { purpose_of_use: 'HOPERAT' },
      { purpose_of_use: 'TREAT' },
      { purposeOfUse: 'HOPERAT' },
    ],
    ['a practitioner', { practitioner: 'Practitioner/123' }, {}, { practitioner: 'Practitioner/123' }],
    [
      'break-glass with its reason',
      { purpose_of_use: 'ETREAT' },
      { break_glass_reason: 'Unconscious patient\nin the ED' },
      { purposeOfUse: 'ETREAT', breakGlassReason: 'Unconscious patient\nin the ED' },
    ],
  ])('takes %s', (_name, claims, form, expected) => {
    expect(resolveUseContext(claims, form)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, TokenForm]>([
    ['an unknown purpose', {}, { purpose_of_use: 'SHOPPING' }],
    ['a purpose in the wrong case', { purpose_of_use: 'treat' }, {}],
    ['a purpose that is not text', { purpose_of_use: ['TREAT'] }, {}],
    ['ETREAT without a reason', { purpose_of_use: 'ETREAT' }, {}],
    ['ETREAT with a blank reason', { purpose_of_use: 'ETREAT', break_glass_reason: '   ' }, {}],
    ['a reason without ETREAT', { purpose_of_use: 'TREAT' }, { break_glass_reason: 'because' }],
    ['a reason over 500 characters', { purpose_of_use: 'ETREAT', break_glass_reason: 'r'.repeat(501) }, {}],
    ['a reason with control characters', { purpose_of_use: 'ETREAT', break_glass_reason: 'a\u0000b' }, {}],
    ['a practitioner over 200 characters', {}, { practitioner: 'p'.repeat(201) }],
    ['a practitioner on two lines', {}, { practitioner: 'Dr A\nDr B' }],
    ['a blank practitioner', { practitioner: ' ' }, {}],
    ['a practitioner that is not text', { practitioner: 123 }, {}],
  ])('refuses %s', (_name, claims, form) => {
    expect(refusal(() => resolveUseContext(claims, form)).error).toBe('invalid_request');
  });

  it('accepts the longest practitioner and reason', () => {
    const use = resolveUseContext(
      { purpose_of_use: 'ETREAT', practitioner: 'p'.repeat(200), break_glass_reason: 'r'.repeat(500) },
      {},
    );
    expect(use.practitioner).toHaveLength(200);
    expect(use.breakGlassReason).toHaveLength(500);
  });
});

describe('isFormContentType', () => {
  it.each([
    ['application/x-www-form-urlencoded', true],
    ['Application/X-WWW-Form-Urlencoded; charset=UTF-8', true],
    ['application/json', false],
    ['multipart/form-data', false],
    [undefined, false],
  ])('%p → %p', (contentType, expected) => {
    expect(isFormContentType(contentType)).toBe(expected);
  });
});
