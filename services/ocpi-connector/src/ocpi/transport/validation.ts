import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { OcpiError } from './status';

/**
 * Turns a request body into its DTO or fails with 2001 naming the first offending field by its JSON path,
 * e.g. `roles[0].party_id: must be 3 characters at most`.
 */
export function validateBody<T extends object>(dto: ClassConstructor<T>, body: unknown, what = 'body'): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw OcpiError.invalid(`${what}: must be a JSON object`);
  const instance = plainToInstance(dto, body);
  const errors = validateSync(instance, { forbidUnknownValues: true, validationError: { target: false, value: false } });
  if (errors.length) {
    const problems = errors.flatMap((error) => describe(error, ''));
    throw OcpiError.invalid(problems.slice(0, 5).join('; '), { errors: problems });
  }
  return instance;
}

export function validationProblems<T extends object>(dto: ClassConstructor<T>, body: unknown): string[] {
  try {
    validateBody(dto, body);
    return [];
  } catch (error) {
    return error instanceof OcpiError ? ((error.data as { errors?: string[] } | undefined)?.errors ?? [error.message]) : [String(error)];
  }
}

function describe(error: ValidationError, parent: string): string[] {
  const path = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message.replace(new RegExp(`^${error.property} `), '')}`);
  return [...own, ...(error.children ?? []).flatMap((child) => describe(child, path))];
}
