import { Global, Module } from '@nestjs/common';
import { AccountService, SessionStore } from '@passerelle/accounts';
import { DataSource } from 'typeorm';

/** The pages' user accounts and sessions, shared by the pages and the admin API that manages them. */
@Global()
@Module({
  providers: [
    { provide: AccountService, inject: [DataSource], useFactory: (ds: DataSource) => new AccountService(ds) },
    { provide: SessionStore, inject: [DataSource], useFactory: (ds: DataSource) => new SessionStore(ds) },
  ],
  exports: [AccountService, SessionStore],
})
export class AccountsModule {}
