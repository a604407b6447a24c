import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { badRequest, isSupportedType } from '@passerelle/fhir';
import { AgencyService } from '@passerelle/identity';
import { Feed, Outbox, Subscriptions } from '@passerelle/sync';
import { DataSource } from 'typeorm';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

/** Operators see what waits to be routed and delivered, and set agencies' subscriptions. */
@ApiTags('sync')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/sync')
export class SyncAdminController {
  private readonly subscriptions = new Subscriptions();

  constructor(
    private readonly dataSource: DataSource,
    private readonly agencies: AgencyService,
  ) {}

  /** Outbox rows not yet routed, and feed items not yet acknowledged per agency. */
  @Get('status')
  async status(): Promise<{ outboxBacklog: number; feeds: { agency: string; pending: number }[] }> {
    const db = this.dataSource.manager;
    return { outboxBacklog: await new Outbox().backlog(db), feeds: await new Feed().backlog(db) };
  }

  @Get('subscriptions/:agency')
  async subscriptionsOf(
    @Param('agency') agency: string,
  ): Promise<{ agency: string; resourceTypes: string[] }> {
    await this.agencies.get(agency);
    return { agency, resourceTypes: await this.subscriptions.of(this.dataSource.manager, agency) };
  }

  /** Replaces the types the agency receives for every person it has a record of. */
  @Put('subscriptions/:agency')
  async replace(
    @Param('agency') agency: string,
    @Body() body: { resourceTypes?: unknown },
  ): Promise<{ agency: string; resourceTypes: string[] }> {
    await this.agencies.get(agency);
    const types = body?.resourceTypes;
    if (
      !Array.isArray(types) ||
      !types.every((t): t is string => typeof t === 'string' && isSupportedType(t))
    )
      throw badRequest('resourceTypes must be a list of supported FHIR resource types', ['resourceTypes']);
    await this.dataSource.transaction((tx) => this.subscriptions.replace(tx, agency, types));
    return { agency, resourceTypes: await this.subscriptions.of(this.dataSource.manager, agency) };
  }
}
