import { Module } from '@nestjs/common';
import { ChangesController } from './changes.controller';
import { ChangesService } from './changes.service';

/** The hub's side of sync: agencies' feeds (the operators' view is in AdminModule). */
@Module({ controllers: [ChangesController], providers: [ChangesService] })
export class SyncModule {}
