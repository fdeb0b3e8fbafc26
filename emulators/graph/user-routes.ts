import type { Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';

/**
 * `GET /users/{id | userPrincipalName}` and, for a delegated token, `GET /me`: the user resource with the
 * properties a sign-in needs to tell who signed in.
 */
export function userRoutes(): Route[] {
  return [{ method: 'GET', template: '/users/{user}', handler: getUser }];
}

function getUser({ user, request }: RouteContext) {
  return jsonResponse(200, {
    '@odata.context': `${request.origin}/v1.0/$metadata#users/$entity`,
    id: user.id,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    mail: user.userPrincipalName,
  });
}
