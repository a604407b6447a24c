import { Body, Controller, Get, Inject, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { badRequest, conflict, isSupportedType } from '@passerelle/fhir';
import { AgencyService } from '@passerelle/identity';
import {
  describeRoutingRules,
  Feed,
  Outbox,
  ROUTING_RULES,
  type RoutingRules,
  Subscriptions,
} from '@passerelle/sync';
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
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
  ) {}

  /** The routing rules in effect (SYNC_ROUTING_RULES or the default), in the file's format. */
  @Get('routing-rules')
  routingRules(): Record<string, unknown> {
    return describeRoutingRules(this.rules);
  }

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
    // A subscription nothing routes by would be kept and never honoured: say so instead.
    if (types.length > 0 && !this.rules.rules.some((r) => r.to.relation === 'subscription'))
      throw conflict(`The routing rules (${this.rules.source}) have no rule sending to "subscription"`);
    await this.dataSource.transaction((tx) => this.subscriptions.replace(tx, agency, types));
    return { agency, resourceTypes: await this.subscriptions.of(this.dataSource.manager, agency) };
  }
}
