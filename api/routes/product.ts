/**
 * The product (the help-desk application, which holds the `signup` key for its server side)
 * reports what the billing platform cannot see by itself: that an account is in use.
 */
import { ActivityCoalescer } from '../activity-coalescer';
import type { AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import { AccountParams, problems } from '../schemas';

export function productRoutes(deps: AppContext): RoutesPlugin {
  const activity = new ActivityCoalescer((accountId) => deps.gateway.reportActivity(accountId));
  return (app, _options, done) => {
    app.post(
      '/v1/accounts/:accountId/activity',
      {
        config: { routeId: 'product.reportActivity' },
        schema: {
          tags: ['product'],
          summary:
            'Report a login or usage of the account: restarts its inactivity clock, re-arming ' +
            'the warning (INACT-1) and postponing the deletion (INACT-2). Cheap; safe to repeat: ' +
            'reports for an account within 15 minutes of the last one passed on are dropped.',
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 204: { type: 'null', description: 'Recorded' }, ...problems(404) },
        },
      },
      async (request, reply) => {
        await activity.report(request.params.accountId);
        return reply.code(204).send();
      },
    );
    done();
  };
}
