import { isAdmin, PermissionDeniedError, type Principal } from "@sigma/runtime";

/**
 * Who may read a run's status or retry it. Every run today is a universe run, which is operator
 * data, so the admin role is required; a non-admin is refused whether or not the target exists
 * (no leak of existence). Portfolio owners get access to their portfolios' runs once portfolios
 * (and their owners) exist.
 *
 * @throws PermissionDeniedError for a principal without the admin role
 */
export function authorizeRunAccess(principal: Principal): void {
  if (!isAdmin(principal)) throw new PermissionDeniedError("admin role required");
}
