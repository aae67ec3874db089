import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';

/** Identifies the Kafka port transport, so batch handlers are registered with it alone. */
export const KAFKA_PORT_TRANSPORT = Symbol('KafkaPortTransport');

/**
 * Hands a handler's failure to the transport as it was thrown: the pipeline aborts the batch's
 * transaction, logs the cause and processes the batch again. (Nest's default filter would replace it
 * with `{ status: 'error', message: 'Internal server error' }`.)
 */
@Catch()
export class BatchFailureFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Registers a controller method as the handler of `pattern` on the Kafka port transport: it receives a
 * batch and returns what to commit with it (a transactional subscription) or commits it itself (a
 * committing one).
 */
export function BatchHandler(pattern: string): MethodDecorator {
  return applyDecorators(MessagePattern(pattern, KAFKA_PORT_TRANSPORT), UseFilters(BatchFailureFilter));
}
