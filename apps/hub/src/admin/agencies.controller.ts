import { Body, Controller, Get, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Agency, AgencyService } from '@passerelle/identity';
import type { FastifyRequest } from 'fastify';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { AgencyDto, CreateAgencyDto, UpdateAgencyDto } from './agency.dto';

/** Operators register agencies, suspend them and rotate their keys. */
@ApiTags('agencies')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgencyService) {}

  @Post()
  @ApiCreatedResponse({ type: AgencyDto })
  create(@Body() body: CreateAgencyDto, @Req() request: FastifyRequest): Promise<Agency> {
    return this.agencies.create(body, request.id);
  }

  @Get()
  @ApiOkResponse({ type: [AgencyDto] })
  list(): Promise<Agency[]> {
    return this.agencies.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: AgencyDto })
  get(@Param('id') id: string): Promise<Agency> {
    return this.agencies.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AgencyDto })
  update(
    @Param('id') id: string,
    @Body() body: UpdateAgencyDto,
    @Req() request: FastifyRequest,
  ): Promise<Agency> {
    return this.agencies.update(id, body, request.id);
  }
}
