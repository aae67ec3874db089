import { BINARY_ATTRIBUTE_PREFIX } from '../kafka-binding';
import type { InboundRecordInput } from '../validation';
import { inboundRecord } from './index';

/**
 * The record a CloudEvents SDK sends for `event` in binary content mode: each attribute but `data` a
 * `ce_*` header (`datacontenttype` as `content-type`), `data` alone as the value. Undefined when the
 * event has no binary form: an attribute that is not a string (headers carry only text), or a
 * `datacontenttype` of `application/cloudevents…`.
 */
export function binaryInboundRecord(
  event: object,
  overrides: Parameters<typeof inboundRecord>[1] = {},
): InboundRecordInput | undefined {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data') continue;
    if (typeof value !== 'string') return undefined;
    // Such a content-type would mark the record as structured mode.
    if (name === 'datacontenttype' && value.startsWith('application/cloudevents')) return undefined;
    headers[name === 'datacontenttype' ? 'content-type' : `${BINARY_ATTRIBUTE_PREFIX}${name}`] = value;
  }
  const data = (event as { data?: unknown }).data;
  const structured = inboundRecord(event, overrides);
  return {
    ...structured,
    value: data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8'),
    headers,
  };
}
