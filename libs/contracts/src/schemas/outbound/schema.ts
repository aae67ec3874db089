import { Type, type Static } from '@sinclair/typebox';
import { GATEWAY_SOURCE } from '../../events';
import { NonEmptyString } from '../common';

/**
 * The extension attributes the gateway adds to every outbound CloudEvent on `kyodo.out.<recipient>`
 * (contract, "Outbound events"). Names are binding.
 */
export const OutboundExtensionsSchema = Type.Object({
  kyodopurpose: NonEmptyString({
    description: "The purposes that apply, space-separated, in the policy table's order.",
  }),
  kyodopolicy: NonEmptyString({ description: 'The version of the policy that decided this delivery.' }),
  kyodoaudit: NonEmptyString({ description: 'The id of the audit record of this delivery.' }),
  kyodoorigin: NonEmptyString({ description: "The inbound event's `source`." }),
  kyodooriginid: NonEmptyString({ description: "The inbound event's `id`." }),
});

export type OutboundExtensions = Static<typeof OutboundExtensionsSchema>;

/** The envelope attributes the gateway sets on an outbound event, besides `type`, `subject`, `time`. */
export const OUTBOUND_ENVELOPE = {
  source: GATEWAY_SOURCE,
  datacontenttype: 'application/json',
} as const;
