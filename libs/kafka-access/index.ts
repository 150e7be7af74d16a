/**
 * Who may do what on the exchange platform's Kafka (Art. 9, 8.1(b)): the principals per ministry and
 * service, the ACLs derived from the agreements in force, and their synchronisation with a cluster.
 * deploy/ is generated from the same derivation (deploy/generate.ts).
 */
export { ADMIN_PRINCIPAL, OPERATOR_PRINCIPAL, MINISTRIES, allPrincipals, principalForClient, servicePrincipal } from './servicePrincipals';
export type { ServiceRole } from './servicePrincipals';
export { CLUSTER_RESOURCE, normaliseRules, ruleKey } from './aclRules';
export type { AclOperation, AclPattern, AclResource, AclRule, AgreementGrant } from './aclRules';
export { agreementRules, baseRules, deletionRecordsTopic, deriveAcls, exchangeTopicList } from './aclDerivation';
export type { DerivationOptions, ExchangeTopic } from './aclDerivation';
export { agreementStatesOf, grantFromDocument, grantsFromAgreementFiles, grantsInForce } from './agreementGrants';
export { currentRules, formatRule, syncAcls } from './aclSync';
export type { AclSyncResult } from './aclSync';
