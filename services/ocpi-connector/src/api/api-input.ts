import { BadRequestException } from '@nestjs/common';
import { OcpiError } from '../ocpi/transport/status';
import { validateBody } from '../ocpi/transport/validation';

/**
 * An operations API body or query as its DTO, or 400 naming the first offending field (`connectors[0].standard: ...`).
 * The OCPI DTO validation underneath speaks OCPI (2001); the operations API answers plain HTTP.
 */
export function apiBody<T extends object>(dto: new () => T, value: unknown, what = 'body'): T {
  try {
    return validateBody(dto, value, what);
  } catch (error) {
    throw new BadRequestException(error instanceof OcpiError ? error.message : String(error));
  }
}
