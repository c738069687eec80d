import { isAdmin, PermissionDeniedError, type Principal } from "@sigma/runtime";
import type { RunScope } from "../domain/projection.js";

/** The one refusal every reader without access gets, whether or not the target exists. */
export function runReadDenied(): PermissionDeniedError {
  return new PermissionDeniedError("not an admin and not the owner of this portfolio run");
}

/**
 * Whether `principal` may read a run's status (SPEC §5 "a user sees only portfolios they own"):
 * an admin sees every run; anyone else only a portfolio run whose owner is their token subject.
 * Universe runs (no owner) are operator data, and so is a run recorded without an owner.
 *
 * @param scope - the run's owner and portfolios; undefined for a run the projection does not know
 */
export function mayReadRun(principal: Principal, scope: RunScope | undefined): boolean {
  if (isAdmin(principal)) return true;
  if (!scope || scope.owner === "" || scope.portfolioIds.length === 0) return false;
  return scope.owner === principal.sub;
}

/**
 * Refuses a read of a run the principal may not see ({@link mayReadRun}). A missing run and
 * someone else's run get the same PERMISSION_DENIED, so a non-owner learns nothing about
 * existence; admins always pass (they get NOT_FOUND for a missing run from the caller).
 *
 * @throws PermissionDeniedError when {@link mayReadRun} is false
 */
export function authorizeRunRead(principal: Principal, scope: RunScope | undefined): void {
  if (!mayReadRun(principal, scope)) throw runReadDenied();
}

/**
 * Who may start a run again (Retry): admins only, as the retry is an admin run of the same
 * request; a non-admin is refused whether or not the target exists.
 *
 * @throws PermissionDeniedError for a principal without the admin role
 */
export function authorizeRetry(principal: Principal): void {
  if (!isAdmin(principal)) throw new PermissionDeniedError("admin role required");
}
