import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Classes for the OpenAPI document only: bodies are checked by hand (the tariff by @roamgate/domain-tariffs). */

export class OcpiTariffBody {
  @ApiProperty({ example: 'NL', description: 'ISO 3166-1 alpha-2 of the CPO' }) country_code!: string;
  @ApiProperty({ example: 'RGT', description: 'CPO party id (ISO 15118)' }) party_id!: string;
  @ApiProperty({ example: 'T-STANDARD', description: 'Must equal the id in the path; at most 36 characters' }) id!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiPropertyOptional({ enum: ['AD_HOC_PAYMENT', 'PROFILE_CHEAP', 'PROFILE_FAST', 'PROFILE_GREEN', 'REGULAR'] }) type?: string;
  @ApiPropertyOptional({ type: Object, description: 'Price: { excl_vat, incl_vat? }' }) min_price?: Record<string, number>;
  @ApiPropertyOptional({ type: Object, description: 'Price: { excl_vat, incl_vat? }' }) max_price?: Record<string, number>;
  @ApiProperty({
    type: [Object],
    description: 'TariffElement: { price_components: [{ type, price, vat?, step_size }], restrictions? }',
    example: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] }],
  })
  elements!: Record<string, unknown>[];
  @ApiPropertyOptional() start_date_time?: string;
  @ApiPropertyOptional() end_date_time?: string;
  @ApiProperty({ example: '2025-03-01T00:00:00Z', description: 'Names the version; an update needs a later one' }) last_updated!: string;
}

export class TariffView {
  @ApiProperty() id!: string;
  @ApiProperty() countryCode!: string;
  @ApiProperty() partyId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ nullable: true, type: String, description: 'OCPI TariffType' }) type!: string | null;
  @ApiProperty({ description: 'last_updated of the current version, as the tariff carries it' }) lastUpdated!: string;
  @ApiProperty({ description: 'When Roamgate stored the current version: from then on it priced new sessions' }) publishedAt!: string;
  @ApiProperty({ description: 'Number of stored versions' }) versions!: number;
  @ApiProperty() deleted!: boolean;
  @ApiProperty({ nullable: true, type: String }) deletedAt!: string | null;
  @ApiProperty({ type: OcpiTariffBody, description: 'The current OCPI 2.2.1 Tariff object' }) tariff!: OcpiTariffBody;
}

export class PublishedTariff extends TariffView {
  @ApiProperty({ enum: ['created', 'updated', 'unchanged'], description: 'unchanged: the same version was PUT again' }) outcome!: string;
}

export class TariffVersionView {
  @ApiProperty() tariffId!: string;
  @ApiProperty() lastUpdated!: string;
  @ApiProperty({ description: 'When Roamgate stored the version' }) publishedAt!: string;
  @ApiProperty({ type: OcpiTariffBody }) tariff!: OcpiTariffBody;
}

export class AssignmentBody {
  @ApiProperty({ description: 'OCPP charge point identity', example: 'CP-0001' }) chargerId!: string;
  @ApiPropertyOptional({ description: 'Only this EVSE (OCPP 2.0.1; 0 for OCPP 1.6)', minimum: 0 }) evseId?: number;
  @ApiPropertyOptional({ description: 'Only this connector', minimum: 0 }) connectorId?: number;
  @ApiPropertyOptional({ description: 'Only sessions of this partner (eMSP), where the launch plan gives it its own tariff' }) partnerId?: string;
  @ApiProperty({ description: 'IANA time zone of the location, for time and day restrictions', example: 'Europe/Amsterdam' }) timeZone!: string;
  @ApiPropertyOptional({ description: 'RFC 3339; default now. Sessions starting from then on get the tariff' }) validFrom?: string;
}

export class AssignmentView {
  @ApiProperty() id!: string;
  @ApiProperty() tariffId!: string;
  @ApiProperty() chargerId!: string;
  @ApiProperty({ nullable: true, type: Number }) evseId!: number | null;
  @ApiProperty({ nullable: true, type: Number }) connectorId!: number | null;
  @ApiProperty({ nullable: true, type: String }) partnerId!: string | null;
  @ApiProperty() timeZone!: string;
  @ApiProperty() validFrom!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Exclusive; null while the assignment lasts' }) validUntil!: string | null;
  @ApiProperty({ description: 'Not yet unassigned or replaced' }) active!: boolean;
  @ApiProperty() assignedAt!: string;
  @ApiProperty({ nullable: true, enum: ['unassigned', 'replaced', 'tariff deleted'] }) endReason!: string | null;
}

export class AssignmentResult extends AssignmentView {
  @ApiProperty({ description: 'false when the same assignment already existed' }) created!: boolean;
}

class Page {
  @ApiProperty({ description: 'Matching documents, ignoring offset and limit' }) total!: number;
  @ApiProperty() offset!: number;
  @ApiProperty() limit!: number;
}

export class TariffPage extends Page {
  @ApiProperty({ type: [TariffView] }) items!: TariffView[];
}
export class TariffVersionPage extends Page {
  @ApiProperty({ type: [TariffVersionView] }) items!: TariffVersionView[];
}
export class AssignmentPage extends Page {
  @ApiProperty({ type: [AssignmentView] }) items!: AssignmentView[];
}
