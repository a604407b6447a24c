import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An account may log in through OpenID Connect: the provider's issuer and subject, `issuer|sub`. */
export class AccountOidcSubject1765620000001 implements MigrationInterface {
  name = 'AccountOidcSubject1765620000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account ADD COLUMN oidc_subject text UNIQUE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account DROP COLUMN oidc_subject`);
  }
}
