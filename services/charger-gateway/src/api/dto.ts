import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { COMMAND_KINDS } from '../commands/command.service';
import { COMMAND_STATUSES } from '../projections/documents';

/** Classes for the OpenAPI document only: request bodies are checked by hand in validation.ts. */

export class RegisterChargerBody {
  @ApiProperty({ description: "OCPP charge point identity: 1-48 characters, no ':' or '/', no whitespace", example: 'CP-0001' })
  id!: string;
  @ApiPropertyOptional({ description: 'HTTP Basic password (security profiles 1 and 2), stored as a scrypt hash; omit for profile 0', maxLength: 40 })
  password?: string;
  @ApiPropertyOptional({ description: 'OCPI location the charger belongs to', maxLength: 36 })
  locationId?: string;
  @ApiPropertyOptional({ description: 'Free labels that launch-plan charger groups select on', type: [String] })
  tags?: string[];
}

export class RegisteredCharger {
  @ApiProperty() id!: string;
  @ApiProperty() registered!: boolean;
  @ApiProperty({ description: '0 without a password, 1 with one (2 when TLS is added in front)' }) securityProfile!: number;
  @ApiProperty({ nullable: true, type: String }) locationId!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
}

export class ConnectorStatusView {
  @ApiProperty({ description: 'OCPP 2.0.1 EVSE; 0 for OCPP 1.6' }) evseId!: number;
  @ApiProperty({ description: 'With evseId 0, connector 0 is the whole charger (OCPP 1.6)' }) connectorId!: number;
  @ApiProperty({ nullable: true, type: String, example: 'CHARGING' }) status!: string | null;
  @ApiProperty({ example: 'NoError' }) errorCode!: string;
  @ApiProperty() info!: string;
  @ApiProperty() vendorErrorCode!: string;
  @ApiProperty({ nullable: true, type: String, description: "The charger's timestamp of the status" }) since!: string | null;
}

export class ChargerView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Registered through the API or CLI; false for a charger held in Pending' }) registered!: boolean;
  @ApiProperty({ nullable: true, type: String }) registeredAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) locationId!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() securityProfile!: number;
  @ApiProperty({ nullable: true, enum: ['ocpp1.6', 'ocpp2.0.1'] }) protocol!: string | null;
  @ApiProperty({ nullable: true, type: String }) vendor!: string | null;
  @ApiProperty({ nullable: true, type: String }) model!: string | null;
  @ApiProperty({ nullable: true, type: String }) firmwareVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) serialNumber!: string | null;
  @ApiProperty({ nullable: true, enum: ['ACCEPTED', 'PENDING', 'REJECTED'] }) bootStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) bootReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) bootedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) heartbeatIntervalSeconds!: number | null;
  @ApiProperty() connected!: boolean;
  @ApiProperty({ nullable: true, type: String }) connectionId!: string | null;
  @ApiProperty({ nullable: true, type: String }) remoteAddress!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Gateway instance that recorded the latest connection (<GATEWAY_NAME>@<start time>/<random>)' })
  gatewayInstance!: string | null;
  @ApiProperty({ nullable: true, type: String }) connectedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) disconnectedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) disconnectReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Last frame or event from the charger (to within 10 s)' }) lastSeenAt!: string | null;
  @ApiProperty({ type: [ConnectorStatusView] }) connectors!: ConnectorStatusView[];
}

export class SessionView {
  @ApiProperty() id!: string;
  @ApiProperty() chargerId!: string;
  @ApiProperty({ nullable: true, enum: ['ocpp1.6', 'ocpp2.0.1'] }) protocol!: string | null;
  @ApiProperty() evseId!: number;
  @ApiProperty() connectorId!: number;
  @ApiProperty() transactionId!: string;
  @ApiProperty({ nullable: true, type: Object, example: { id: '04A2B3C4', type: 'ISO14443' } }) idToken!: { id: string; type: string } | null;
  @ApiProperty({ enum: ['ACTIVE', 'COMPLETED'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) stoppedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Decimal Wh', example: '1250.5' }) meterStartWh!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Decimal Wh' }) meterStopWh!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Latest energy register, decimal Wh' }) lastMeterWh!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastMeterAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Energy so far (active) or in total (completed), decimal Wh' }) energyWh!: string | null;
  @ApiProperty() meterValuesCount!: number;
  @ApiProperty({ nullable: true, type: String, example: 'CHARGING' }) chargingState!: string | null;
  @ApiProperty({ nullable: true, type: String }) chargingStateSince!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'ACCEPTED' }) authorization!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'EVDisconnected' }) stopReason!: string | null;
  @ApiProperty({ type: [String], example: ['CLOCK_SKEW'] }) anomalies!: string[];
  @ApiProperty({ description: 'Some of its messages came from the charger offline queue' }) offline!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The remote start that led to the session' }) commandId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The remote stop that ended the session' }) stopCommandId!: string | null;
  @ApiProperty({ nullable: true, type: String }) partnerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) authorizationReference!: string | null;
  @ApiProperty({ nullable: true, type: String }) reservationId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The charger's vendor when the session started" }) vendor!: string | null;
  @ApiProperty({ nullable: true, type: String }) model!: string | null;
  @ApiProperty({ nullable: true, type: String }) firmwareVersion!: string | null;
}

export class CommandView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: COMMAND_KINDS }) kind!: string;
  @ApiProperty() chargerId!: string;
  @ApiProperty({ nullable: true, enum: ['OCPI', 'API', 'BUS'] }) origin!: string | null;
  @ApiProperty({ enum: COMMAND_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'OCPI CommandResult, e.g. EVSE_OCCUPIED' }) result!: string | null;
  @ApiProperty({ nullable: true, type: Object, description: "The kind's payload as proto JSON" }) payload!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) partnerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) requestedBy!: string | null;
  @ApiProperty({ nullable: true, type: Number }) timeoutMs!: number | null;
  @ApiProperty({ nullable: true, type: String }) requestedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) answeredAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'From sending the CALL to the answer' }) latencyMs!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'RemoteStartTransaction' }) action!: string | null;
  @ApiProperty({ nullable: true, type: String }) messageId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The charger's status as sent, e.g. Accepted" }) answerStatus!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'CALLRESULT payload as JSON text' }) answerPayload!: string | null;
  @ApiProperty({ nullable: true, type: String }) errorCode!: string | null;
  @ApiProperty({ nullable: true, type: String }) errorDescription!: string | null;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty({ description: 'An answer arrived after the command timed out or failed' }) lateAnswer!: boolean;
  @ApiProperty({ nullable: true, type: String }) sessionId!: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'Delivery of the result to the OCPI partner' }) delivery!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String, description: "The charger's vendor when the command was requested" }) vendor!: string | null;
  @ApiProperty({ nullable: true, type: String }) model!: string | null;
  @ApiProperty({ nullable: true, type: String }) firmwareVersion!: string | null;
}

export class OcppMessageView {
  @ApiProperty({ description: 'Id of the log entry (for frames from before the message log had its own file, of the OcppFrameLogged event)' }) id!: string;
  @ApiProperty() chargerId!: string;
  @ApiProperty({ nullable: true, type: String }) sessionId!: string | null;
  @ApiProperty({ nullable: true, type: String }) commandId!: string | null;
  @ApiProperty({ nullable: true, type: String }) connectionId!: string | null;
  @ApiProperty({ nullable: true, enum: ['ocpp1.6', 'ocpp2.0.1'] }) protocol!: string | null;
  @ApiProperty({ nullable: true, type: String }) at!: string | null;
  @ApiProperty({ description: 'Sequence number in the message log: the order of frames logged in the same millisecond' }) position!: number;
  @ApiProperty({ nullable: true, enum: ['FROM_CHARGER', 'TO_CHARGER'] }) direction!: string | null;
  @ApiProperty({ nullable: true, enum: ['CALL', 'CALL_RESULT', 'CALL_ERROR'] }) frameType!: string | null;
  @ApiProperty({ description: 'For results and errors, the action of the CALL they answer' }) action!: string;
  @ApiProperty() messageId!: string;
  @ApiProperty({ description: 'The raw JSON text of the frame, as on the wire' }) payload!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'For results and errors, time since the CALL' }) latencyMs!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the frame failed schema validation; null when valid' }) validationError!: string | null;
}

class Page {
  @ApiProperty({ description: 'Matching documents, ignoring offset and limit' }) total!: number;
  @ApiProperty() offset!: number;
  @ApiProperty() limit!: number;
}

export class ChargerPage extends Page {
  @ApiProperty({ type: [ChargerView] }) items!: ChargerView[];
}
export class SessionPage extends Page {
  @ApiProperty({ type: [SessionView] }) items!: SessionView[];
}
export class CommandPage extends Page {
  @ApiProperty({ type: [CommandView] }) items!: CommandView[];
}
export class OcppMessagePage extends Page {
  @ApiProperty({ type: [OcppMessageView] }) items!: OcppMessageView[];
}

export class CommandRequestBody {
  @ApiProperty({ enum: COMMAND_KINDS, example: 'START_SESSION' }) kind!: string;
  @ApiPropertyOptional({ description: 'Answer timeout; default OCPP_COMMAND_TIMEOUT_S', minimum: 0, maximum: 3600 }) timeoutSeconds?: number;
  @ApiPropertyOptional({ description: 'Who asks, recorded on the command' }) requestedBy?: string;
  @ApiPropertyOptional({ description: 'START_SESSION, RESERVE_NOW', example: { id: '04A2B3C4', type: 'ISO14443' } }) idToken?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'START_SESSION, UNLOCK_CONNECTOR, RESERVE_NOW, CHANGE_AVAILABILITY, TRIGGER_MESSAGE, RESET' }) evseId?: number;
  @ApiPropertyOptional({ description: 'START_SESSION, UNLOCK_CONNECTOR, RESERVE_NOW, CHANGE_AVAILABILITY, TRIGGER_MESSAGE' }) connectorId?: number;
  @ApiPropertyOptional({ description: 'STOP_SESSION: the session to stop (its transactionId is looked up)' }) sessionId?: string;
  @ApiPropertyOptional({ description: 'STOP_SESSION: the OCPP transaction to stop (its session is looked up)' }) transactionId?: string;
  @ApiPropertyOptional({ description: 'RESERVE_NOW, CANCEL_RESERVATION, START_SESSION' }) reservationId?: string;
  @ApiPropertyOptional({ description: 'RESERVE_NOW (RFC 3339)' }) expiresAt?: string;
  @ApiPropertyOptional({ description: 'RESET: Soft | Hard (1.6), Immediate | OnIdle (2.0.1)' }) resetType?: string;
  @ApiPropertyOptional({ description: 'CHANGE_AVAILABILITY: Operative | Inoperative' }) availability?: string;
  @ApiPropertyOptional({ description: 'TRIGGER_MESSAGE, e.g. StatusNotification' }) requestedMessage?: string;
  @ApiPropertyOptional({ description: 'GET_CONFIGURATION', type: [String] }) keys?: string[];
  @ApiPropertyOptional({ description: 'CHANGE_CONFIGURATION' }) key?: string;
  @ApiPropertyOptional({ description: 'CHANGE_CONFIGURATION' }) value?: string;
}

export class CommandAccepted {
  @ApiProperty({ description: 'Follow it with GET /api/v1/commands/{commandId}' }) commandId!: string;
}
