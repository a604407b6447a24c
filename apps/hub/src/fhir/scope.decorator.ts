import { createParamDecorator, type ExecutionContext, Injectable, type PipeTransform } from '@nestjs/common';
import type { ConsentScopedRepository, ScopeOptions } from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import { accessOf } from './actor.decorator';
import { ScopeFactory } from './scope.factory';

/** Who asks, from the verified request: what the scope is built for. */
interface ScopeRequest {
  access: AccessContext;
  requestId: string;
  options?: ScopeOptions;
}

const ScopeRequestParam = createParamDecorator(
  (options: ScopeOptions | undefined, ctx: ExecutionContext): ScopeRequest => {
    const { request, access } = accessOf(ctx);
    return { access, requestId: request.id, ...(options !== undefined ? { options } : {}) };
  },
);

/**
 * Builds the caller's consent-scoped repository. A pipe, because a param decorator cannot
 * inject: Nest instantiates a pipe class given to a param decorator with its module's providers.
 */
@Injectable()
export class ScopePipe implements PipeTransform<ScopeRequest, ConsentScopedRepository> {
  constructor(private readonly scopes: ScopeFactory) {}

  transform({ access, requestId, options }: ScopeRequest): ConsentScopedRepository {
    return this.scopes.for(access, requestId, options);
  }
}

/**
 * The handler's consent scope: the caller's consent-scoped repository, one per request, the only
 * way a handler reaches patient data. `@Scope({ deferAudit: true })` passes options through.
 */
export const Scope = (options?: ScopeOptions): ParameterDecorator => ScopeRequestParam(options, ScopePipe);
