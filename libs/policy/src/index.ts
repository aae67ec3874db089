export { compilePolicy, type CompiledKind, type CompiledPolicy, type CompiledRule } from './compile';
export { evaluate } from './evaluate';
export { explain, formatExplanation, type ExplainedRelation, type Explanation } from './explain';
export { defaultPolicyPath, loadPolicy, parsePolicyDocument } from './load';
export {
  type Decision,
  type Delivery,
  EVENT_DATE_FIELD,
  type EvaluateOptions,
  type PolicyDocument,
  type PolicyEventDocument,
  PolicyError,
  type PolicyRuleDocument,
  type Purpose,
  PURPOSES,
  type Relation,
  RELATION_SPECS,
  type RelationHolder,
  type RelationSpec,
  RELATIONS,
} from './model';
export {
  authorizeSender,
  isSenderRelation,
  SENDER_RELATIONS,
  SENDER_SPECS,
  senderRelations,
  type SenderRelation,
  type SenderSpec,
} from './senders';
export { diffPolicies, formatPolicyDiff, type PolicyChange, type PolicyDiff } from './diff';
export { compileNotices, type CompiledNotices, type NoticePolicyDocument } from './notices';
