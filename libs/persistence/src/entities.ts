import { EntitySchema } from 'typeorm';

const now = () => 'now()';
const SUPPLY_POINT_ID = `supply_point_id ~ '^(0[1-9]|10)[0-9]{20}$'`;

/*
 * Table descriptions for TypeORM's metadata, kept equal to what the migrations build (a medium test
 * checks that TypeORM finds nothing to change). The schema itself comes only from the migrations,
 * never from synchronisation; the repositories query with explicit SQL and return contract types.
 */

export interface PartyRow {
  id: string;
  role: string;
  name: string;
  area: string | null;
  suspended: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const PartyEntity = new EntitySchema<PartyRow>({
  name: 'Party',
  tableName: 'party',
  columns: {
    id: { type: 'text', primary: true },
    role: { type: 'text' },
    name: { type: 'text' },
    area: { type: 'text', nullable: true },
    suspended: { type: 'boolean', default: false },
    createdAt: { name: 'created_at', type: 'timestamptz', default: now },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
  checks: [
    { name: 'party_id_check', expression: `id ~ '^[A-Z][A-Z0-9]{1,15}$'` },
    {
      name: 'party_role_check',
      expression: `role IN ('retailer', 'tdso', 'occto', 'aggregator', 'third-party')`,
    },
    {
      name: 'party_area_check',
      expression: `area IN ('01', '02', '03', '04', '05', '06', '07', '08', '09', '10')`,
    },
    { name: 'party_area_iff_tdso', expression: `(role = 'tdso') = (area IS NOT NULL)` },
  ],
  indices: [
    { name: 'party_one_occto', columns: ['role'], unique: true, where: `role = 'occto'` },
    { name: 'party_one_tdso_per_area', columns: ['area'], unique: true, where: `role = 'tdso'` },
  ],
});

export interface EnrollmentRow {
  aggregatorId: string;
  supplyPointId: string;
  fromDate: string;
  toDate: string;
  createdAt: Date;
  updatedAt: Date;
  aggregator?: PartyRow;
}

export const EnrollmentEntity = new EntitySchema<EnrollmentRow>({
  name: 'Enrollment',
  tableName: 'enrollment',
  columns: {
    aggregatorId: { name: 'aggregator_id', type: 'text', primary: true },
    supplyPointId: { name: 'supply_point_id', type: 'text', primary: true },
    fromDate: { name: 'from_date', type: 'date', primary: true },
    toDate: { name: 'to_date', type: 'date' },
    createdAt: { name: 'created_at', type: 'timestamptz', default: now },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
  relations: {
    aggregator: {
      type: 'many-to-one',
      target: 'Party',
      nullable: false,
      joinColumn: { name: 'aggregator_id', foreignKeyConstraintName: 'enrollment_aggregator_id_fkey' },
    },
  },
  checks: [
    { name: 'enrollment_supply_point_id_check', expression: SUPPLY_POINT_ID },
    { name: 'enrollment_dates', expression: 'to_date >= from_date' },
  ],
  indices: [{ name: 'enrollment_supply_point', columns: ['supplyPointId'] }],
});

export interface ConsentRow {
  id: string;
  thirdPartyId: string;
  supplyPointId: string;
  categories: string[];
  fromDate: string;
  toDate: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  thirdParty?: PartyRow;
}

export const ConsentEntity = new EntitySchema<ConsentRow>({
  name: 'Consent',
  tableName: 'consent',
  columns: {
    id: { type: 'text', primary: true },
    thirdPartyId: { name: 'third_party_id', type: 'text' },
    supplyPointId: { name: 'supply_point_id', type: 'text' },
    categories: { type: 'text', array: true },
    fromDate: { name: 'from_date', type: 'date' },
    toDate: { name: 'to_date', type: 'date' },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', default: now },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
  relations: {
    thirdParty: {
      type: 'many-to-one',
      target: 'Party',
      nullable: false,
      joinColumn: { name: 'third_party_id', foreignKeyConstraintName: 'consent_third_party_id_fkey' },
    },
  },
  checks: [
    { name: 'consent_supply_point_id_check', expression: SUPPLY_POINT_ID },
    {
      name: 'consent_categories_check',
      expression: `categories <@ ARRAY['meter-reading', 'negawatt']::text[]`,
    },
    { name: 'consent_dates', expression: 'to_date >= from_date' },
  ],
  indices: [
    { name: 'consent_supply_point', columns: ['supplyPointId'] },
    { name: 'consent_third_party', columns: ['thirdPartyId'] },
  ],
});

export interface AgreementRow {
  id: string;
  thirdPartyId: string;
  fromDate: string;
  toDate: string;
  createdAt: Date;
  updatedAt: Date;
  thirdParty?: PartyRow;
}

export const AgreementEntity = new EntitySchema<AgreementRow>({
  name: 'Agreement',
  tableName: 'agreement',
  columns: {
    id: { type: 'text', primary: true },
    thirdPartyId: { name: 'third_party_id', type: 'text' },
    fromDate: { name: 'from_date', type: 'date' },
    toDate: { name: 'to_date', type: 'date' },
    createdAt: { name: 'created_at', type: 'timestamptz', default: now },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
  relations: {
    thirdParty: {
      type: 'many-to-one',
      target: 'Party',
      nullable: false,
      joinColumn: { name: 'third_party_id', foreignKeyConstraintName: 'agreement_third_party_id_fkey' },
    },
  },
  checks: [{ name: 'agreement_dates', expression: 'to_date >= from_date' }],
  indices: [{ name: 'agreement_third_party', columns: ['thirdPartyId'] }],
});

export interface RegistryVersionRow {
  singleton: boolean;
  version: string;
  agreementsListed: boolean;
  /** The change log (registry_change) holds every change of the versions after this one. */
  changesKeptAfter: string;
  updatedAt: Date;
}

export const RegistryVersionEntity = new EntitySchema<RegistryVersionRow>({
  name: 'RegistryVersion',
  tableName: 'registry_version',
  columns: {
    singleton: { type: 'boolean', primary: true, default: true },
    version: { type: 'bigint' },
    agreementsListed: { name: 'agreements_listed', type: 'boolean', default: false },
    changesKeptAfter: { name: 'changes_kept_after', type: 'bigint', default: 0 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
  checks: [{ name: 'registry_version_singleton_check', expression: 'singleton' }],
});

export interface AuditRecordRow {
  id: string;
  time: Date;
  eventTime: string | null;
  inboundTopic: string;
  inboundPartition: number;
  inboundOffset: string;
  inboundSource: string | null;
  inboundId: string | null;
  type: string | null;
  supplyPointHmac: string | null;
  recipientId: string | null;
  recipientRole: string | null;
  relations: string[];
  purposes: string[];
  fieldsDelivered: string[];
  fieldsWithheld: string[];
  policyVersion: string;
  outcome: string;
  reason: string | null;
  outboundId: string | null;
  basis: string[] | null;
  chainPartition: number;
  chainOffset: string;
  prevHash: string;
  hash: string;
}

/** Partitioned by month of `time`; see the audit migration. */
export const AuditRecordEntity = new EntitySchema<AuditRecordRow>({
  name: 'AuditRecord',
  tableName: 'audit_record',
  columns: {
    id: { type: 'text', primary: true },
    time: { type: 'timestamptz', primary: true },
    eventTime: { name: 'event_time', type: 'text', nullable: true },
    inboundTopic: { name: 'inbound_topic', type: 'text' },
    inboundPartition: { name: 'inbound_partition', type: 'integer' },
    inboundOffset: { name: 'inbound_offset', type: 'bigint' },
    inboundSource: { name: 'inbound_source', type: 'text', nullable: true },
    inboundId: { name: 'inbound_id', type: 'text', nullable: true },
    type: { type: 'text', nullable: true },
    supplyPointHmac: { name: 'supply_point_hmac', type: 'text', nullable: true },
    recipientId: { name: 'recipient_id', type: 'text', nullable: true },
    recipientRole: { name: 'recipient_role', type: 'text', nullable: true },
    relations: { type: 'text', array: true },
    purposes: { type: 'text', array: true },
    fieldsDelivered: { name: 'fields_delivered', type: 'text', array: true },
    fieldsWithheld: { name: 'fields_withheld', type: 'text', array: true },
    policyVersion: { name: 'policy_version', type: 'text' },
    outcome: { type: 'text' },
    reason: { type: 'text', nullable: true },
    outboundId: { name: 'outbound_id', type: 'text', nullable: true },
    basis: { type: 'text', array: true, nullable: true },
    chainPartition: { name: 'chain_partition', type: 'integer' },
    chainOffset: { name: 'chain_offset', type: 'bigint' },
    prevHash: { name: 'prev_hash', type: 'text' },
    hash: { type: 'text' },
  },
  indices: [
    { name: 'audit_record_chain', columns: ['chainPartition', 'chainOffset', 'id', 'time'] },
    { name: 'audit_record_disclosure', columns: ['supplyPointHmac', 'time'] },
    { name: 'audit_record_support', columns: ['recipientId', 'type', 'time', 'id'] },
  ],
});

export interface AuditChainHeadRow {
  chainPartition: number;
  chainOffset: string;
  hash: string;
  updatedAt: Date;
}

export const AuditChainHeadEntity = new EntitySchema<AuditChainHeadRow>({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  columns: {
    chainPartition: { name: 'chain_partition', type: 'integer', primary: true },
    chainOffset: { name: 'chain_offset', type: 'bigint' },
    hash: { type: 'text' },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
});

export interface AuditChainAnchorRow {
  chainPartition: number;
  chainOffset: string;
  hash: string;
  retiredPartition: string;
  updatedAt: Date;
}

export const AuditChainAnchorEntity = new EntitySchema<AuditChainAnchorRow>({
  name: 'AuditChainAnchor',
  tableName: 'audit_chain_anchor',
  columns: {
    chainPartition: { name: 'chain_partition', type: 'integer', primary: true },
    chainOffset: { name: 'chain_offset', type: 'bigint' },
    hash: { type: 'text' },
    retiredPartition: { name: 'retired_partition', type: 'text' },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: now },
  },
});

export interface ApiKeyRow {
  id: string;
  role: string;
  partyId: string | null;
  keyHash: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  party?: PartyRow;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_key',
  columns: {
    id: { type: 'text', primary: true },
    role: { type: 'text' },
    partyId: { name: 'party_id', type: 'text', nullable: true },
    keyHash: { name: 'key_hash', type: 'text', unique: true },
    prefix: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz', default: now },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
  },
  checks: [
    {
      name: 'api_key_role_check',
      expression: `role IN ('auditor', 'registry-admin', 'privacy-officer', 'party')`,
    },
    { name: 'api_key_key_hash_check', expression: `key_hash ~ '^[0-9a-f]{64}$'` },
    { name: 'api_key_party_iff_role', expression: `(role = 'party') = (party_id IS NOT NULL)` },
  ],
  relations: {
    party: {
      type: 'many-to-one',
      target: 'Party',
      nullable: true,
      joinColumn: { name: 'party_id', foreignKeyConstraintName: 'api_key_party_id_fkey' },
    },
  },
});

export interface AuditCheckRunRow {
  id: string;
  kind: string;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  summary: unknown;
  requestedBy: string | null;
}

export const AuditCheckRunEntity = new EntitySchema<AuditCheckRunRow>({
  name: 'AuditCheckRun',
  tableName: 'audit_check_run',
  columns: {
    id: { type: 'text', primary: true },
    kind: { type: 'text' },
    startedAt: { name: 'started_at', type: 'timestamptz' },
    finishedAt: { name: 'finished_at', type: 'timestamptz' },
    ok: { type: 'boolean' },
    summary: { type: 'jsonb' },
    requestedBy: { name: 'requested_by', type: 'text', nullable: true },
  },
  checks: [{ name: 'audit_check_run_kind_check', expression: `kind IN ('verify', 'reconcile')` }],
  indices: [{ name: 'audit_check_run_latest', columns: ['kind', 'finishedAt'] }],
});

export const ENTITIES = [
  PartyEntity,
  EnrollmentEntity,
  ConsentEntity,
  AgreementEntity,
  RegistryVersionEntity,
  AuditRecordEntity,
  AuditChainHeadEntity,
  AuditChainAnchorEntity,
  ApiKeyEntity,
  AuditCheckRunEntity,
];
