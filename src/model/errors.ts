import type { FieldError } from './types.js';

// Errors every layer understands; the API maps each to its HTTP status.
export class XosError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class ValidationError extends XosError {
  constructor(errors: FieldError[], message = errors.map((e) => `${e.field}: ${e.message}`).join('; ')) {
    super(message, 400, errors);
  }
}
export class NotFoundError extends XosError {
  constructor(what: string) {
    super(`${what} not found`, 404);
  }
}
export class ConflictError extends XosError {
  constructor(message: string, errors: FieldError[] = []) {
    super(message, 409, errors);
  }
}
export class ForbiddenError extends XosError {
  constructor(message: string, errors: FieldError[] = []) {
    super(message, 403, errors);
  }
}
export class PreconditionFailedError extends XosError {
  constructor(message: string) {
    super(message, 412);
  }
}
export class UnauthorizedError extends XosError {
  constructor(message = 'authentication required') {
    super(message, 401);
  }
}
