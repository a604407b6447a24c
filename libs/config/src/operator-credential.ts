/** The shortest operator credential accepted: 32 characters, as from `openssl rand -hex 16`. */
export const MIN_OPERATOR_CREDENTIAL_LENGTH = 32;

/**
 * Why a credential cannot protect /admin, or undefined when it can. It must be one printable
 * word (an `Authorization: Bearer` value) of at least 32 characters, so an empty or truncated
 * value never matches an empty header. The message never repeats the credential.
 */
export function operatorCredentialProblem(token: string): string | undefined {
  if (!/^[\x21-\x7e]*$/.test(token))
    return 'must be printable ASCII without spaces (it is sent as `Authorization: Bearer <credential>`)';
  if (token.length < MIN_OPERATOR_CREDENTIAL_LENGTH)
    return `must be at least ${MIN_OPERATOR_CREDENTIAL_LENGTH} characters (it has ${token.length}); generate one with \`openssl rand -hex 32\``;
  return undefined;
}
