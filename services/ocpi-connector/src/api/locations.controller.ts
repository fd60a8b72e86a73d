import { BadRequestException, Body, ConflictException, Controller, Delete, Get, Inject, NotFoundException, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { LocationError, ocpiLocationOf, type EvseData, type LocationData, type LocationState } from '@roamgate/domain-ocpi';
import { EvseElsewhereError, LocationRepository } from '../ocpi/locations/location.repository';
import { apiBody } from './api-input';
import { OCPI_SETTINGS, type OcpiSettings } from '../settings';

class PointBody {
  @IsString() latitude!: string;
  @IsString() longitude!: string;
}

class BusinessBody {
  @IsString() name!: string;
  @IsOptional() @IsString() website?: string;
}

/** Location master data, named as in the OCPI Location object (country_code and party_id default to ours). */
export class LocationBody {
  @IsOptional() @IsString() id?: string;
  @IsOptional() @IsBoolean() publish?: boolean;
  @IsOptional() @IsString() name?: string;
  @IsString() address!: string;
  @IsString() city!: string;
  @IsOptional() @IsString() postal_code?: string;
  @IsOptional() @IsString() state?: string;
  @IsString() country!: string;
  @ValidateNested() @Type(() => PointBody) coordinates!: PointBody;
  @IsOptional() @IsString() parking_type?: string;
  @IsOptional() @ValidateNested() @Type(() => BusinessBody) operator?: BusinessBody;
  @IsOptional() @ValidateNested() @Type(() => BusinessBody) suboperator?: BusinessBody;
  @IsOptional() @ValidateNested() @Type(() => BusinessBody) owner?: BusinessBody;
  @IsOptional() @IsArray() @IsString({ each: true }) facilities?: string[];
  @IsString() time_zone!: string;
  @IsOptional() @IsObject() opening_times?: Record<string, unknown>;
  @IsOptional() @IsBoolean() charging_when_closed?: boolean;
}

class ConnectorBody {
  @IsString() id!: string;
  @IsOptional() @IsInt() ocpp_connector_id?: number;
  @IsString() standard!: string;
  @IsString() format!: string;
  @IsString() power_type!: string;
  @IsInt() max_voltage!: number;
  @IsInt() max_amperage!: number;
  @IsOptional() @IsInt() max_electric_power?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) tariff_ids?: string[];
  @IsOptional() @IsString() terms_and_conditions?: string;
}

/** A charger's EVSE attached to a location; its evse_uid is <charger_id>-<evse>. */
export class EvseBody {
  @IsString() charger_id!: string;
  @IsInt() @Min(1) @Max(999_999) evse!: number;
  @IsOptional() @IsString() evse_id?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => ConnectorBody) connectors!: ConnectorBody[];
  @IsOptional() @IsArray() @IsString({ each: true }) capabilities?: string[];
  @IsOptional() @IsString() floor_level?: string;
  @IsOptional() @ValidateNested() @Type(() => PointBody) coordinates?: PointBody;
  @IsOptional() @IsString() physical_reference?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) parking_restrictions?: string[];
}

async function domain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LocationError) {
      if (error.code === 'UNKNOWN_LOCATION' || error.code === 'UNKNOWN_EVSE') throw new NotFoundException(error.message);
      if (error.code === 'LOCATION_EXISTS') throw new ConflictException(error.message);
      throw new BadRequestException(error.message);
    }
    if (error instanceof EvseElsewhereError) throw new ConflictException(error.message);
    throw error;
  }
}

const unset = <T>(value: T | undefined | null) => (value === undefined || value === null ? {} : undefined);

export function locationData(b: LocationBody, cpo: { countryCode: string; partyId: string }): LocationData {
  return {
    countryCode: cpo.countryCode,
    partyId: cpo.partyId,
    publish: b.publish ?? true,
    ...(unset(b.name) ?? { name: b.name! }),
    address: b.address,
    city: b.city,
    ...(unset(b.postal_code) ?? { postalCode: b.postal_code! }),
    ...(unset(b.state) ?? { state: b.state! }),
    country: b.country,
    coordinates: { latitude: b.coordinates.latitude, longitude: b.coordinates.longitude },
    ...(unset(b.parking_type) ?? { parkingType: b.parking_type! }),
    ...(unset(b.operator) ?? { operator: { name: b.operator!.name, ...(b.operator!.website ? { website: b.operator!.website } : {}) } }),
    ...(unset(b.suboperator) ?? { suboperator: { name: b.suboperator!.name, ...(b.suboperator!.website ? { website: b.suboperator!.website } : {}) } }),
    ...(unset(b.owner) ?? { owner: { name: b.owner!.name, ...(b.owner!.website ? { website: b.owner!.website } : {}) } }),
    facilities: b.facilities ?? [],
    timeZone: b.time_zone,
    ...(unset(b.opening_times) ?? { openingTimes: b.opening_times! }),
    ...(b.charging_when_closed ? { chargingWhenClosed: true } : {}),
  };
}

export function evseData(b: EvseBody): EvseData {
  return {
    chargerId: b.charger_id,
    evse: b.evse,
    ...(b.evse_id ? { evseId: b.evse_id } : {}),
    connectors: b.connectors.map((k, i) => ({
      id: k.id,
      ocppConnectorId: k.ocpp_connector_id ?? i + 1,
      standard: k.standard,
      format: k.format,
      powerType: k.power_type,
      maxVoltage: k.max_voltage,
      maxAmperage: k.max_amperage,
      ...(k.max_electric_power ? { maxElectricPower: k.max_electric_power } : {}),
      tariffIds: k.tariff_ids ?? [],
      ...(k.terms_and_conditions ? { termsAndConditions: k.terms_and_conditions } : {}),
    })),
    capabilities: b.capabilities ?? [],
    ...(b.floor_level ? { floorLevel: b.floor_level } : {}),
    ...(b.coordinates ? { coordinates: { latitude: b.coordinates.latitude, longitude: b.coordinates.longitude } } : {}),
    ...(b.physical_reference ? { physicalReference: b.physical_reference } : {}),
    parkingRestrictions: b.parking_restrictions ?? [],
  };
}

/** The operator's view: the OCPI Location (all EVSEs) and where each EVSE is on its charger. */
export function locationView(state: LocationState) {
  return {
    location: ocpiLocationOf(state),
    chargers: state.evses.map((e) => ({ evse_uid: e.uid, charger_id: e.chargerId, evse: e.evse, connector_statuses: e.connectorStatuses })),
  };
}

/** Operations API for location master data (admin token). */
@ApiTags('locations')
@ApiBearerAuth()
@Controller('api/v1/locations')
export class LocationsApiController {
  constructor(
    private readonly locations: LocationRepository,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  @Post()
  async create(@Body() input: unknown) {
    const b = apiBody(LocationBody, input);
    if (!b.id) throw new BadRequestException('id: is required');
    const { state } = await domain(() => this.locations.handle(b.id!, { type: 'CreateLocation', locationId: b.id!, details: locationData(b, this.settings), by: 'api', now: new Date() }));
    return locationView(state);
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() input: unknown) {
    const b = apiBody(LocationBody, input);
    if (b.id !== undefined && b.id !== id) throw new BadRequestException(`id: ${b.id} differs from the URL (${id})`);
    const { state } = await domain(() => this.locations.handle(id, { type: 'UpdateLocation', details: locationData(b, this.settings), by: 'api', now: new Date() }));
    return locationView(state);
  }

  @Post(':id/evses')
  async attach(@Param('id') id: string, @Body() input: unknown) {
    const evse = evseData(apiBody(EvseBody, input));
    const { state } = await domain(() => this.locations.handle(id, { type: 'AttachEvse', evse, by: 'api', now: new Date() }));
    return locationView(state);
  }

  @Delete(':id/evses/:uid')
  async detach(@Param('id') id: string, @Param('uid') uid: string) {
    const { state } = await domain(() => this.locations.handle(id, { type: 'DetachEvse', evseUid: uid, by: 'api', now: new Date() }));
    return locationView(state);
  }

  @Get()
  async list(@Query('offset') offsetText?: string, @Query('limit') limitText?: string) {
    const offset = Number(offsetText ?? 0);
    const limit = Number(limitText ?? 50);
    if (!Number.isInteger(offset) || offset < 0) throw new BadRequestException('offset: must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequestException('limit: must be an integer from 1 to 500');
    const found = await this.locations.list(offset, limit);
    return { items: found.items.map(locationView), total: found.total, offset, limit };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const state = await this.locations.get(id);
    if (!state) throw new NotFoundException(`unknown location ${id}`);
    return locationView(state);
  }
}
