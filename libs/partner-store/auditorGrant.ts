/**
 * DDL giving SELECT on partner tables to the role pgaudit's object auditing is keyed on, so that every
 * statement reading them — by any database client — is written to the server log, from which the
 * access-audit collector fills the access log (Art. 5.4). The role is the server's own `pgaudit.role`
 * rather than a project setting: a grant to any other role would audit nothing. Where pgaudit is not
 * loaded or its role does not exist, nothing is granted and the partner store works as before; the
 * collector's readiness check reports the gap.
 *
 * `target` is `TABLE <schema>.<table>` or `ALL TABLES IN SCHEMA <schema>`, already quoted.
 */
export function auditorGrantDdl(target: string): string {
  if (/['$]/.test(target)) throw new RangeError(`not a quoted grant target: ${target}`);
  return `DO $$
    DECLARE auditor text := current_setting('pgaudit.role', true);
    BEGIN
      IF auditor <> '' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = auditor) THEN
        EXECUTE format('GRANT SELECT ON %s TO %I', '${target}', auditor);
      END IF;
    END
  $$`;
}
