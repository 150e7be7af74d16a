/**
 * Least privilege in the ministries' databases: the service roles, what the owner grants them, and the
 * admin step that prepares the partner store before services start with their own roles.
 */
export { OWNER_ROLE, SERVICE_ROLES, SERVICE_ROLE_NAMES, partnerSchemaOf, otherMinistry } from './serviceRoles';
export type { ServiceRoleKind } from './serviceRoles';
export { ownerGrantStatements, superuserGrantStatements, prepareMinistryDatabase, grantServiceRights } from './roleGrants';
export type { SqlRunner } from './roleGrants';
export { ensureServiceRoles, roleCreationStatements } from './clusterRoles';
