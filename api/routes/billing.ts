/**
 * The owner's billing details for any account (role `owner`, own account only):
 *  - set them, with an EU VAT id if the business has one (PAY-10): stored in Postgres, and
 *    carried by every invoice issued from then on; invoices already issued never change;
 *  - correct the latest invoice with them (PAY-9): within 15 days of its issue a credit note
 *    and a corrected invoice are issued, nothing is charged; later the request is refused with
 *    BILLING_DETAILS_WINDOW_CLOSED, and the details, stored all the same, go on the next invoice.
 * The details never reach the workflow: it hears only that a correction is asked for.
 */
import { Type } from '@sinclair/typebox';
import { missingBillingFields } from '../../workflows/policy/billing-details';
import { isEuCountry, isValidVatId, normaliseVatId } from '../../workflows/policy/vat';
import { requestKeyFor, type AppContext } from '../app';
import type { BillingDetailsInput } from '../billing-details-store';
import { ApiError } from '../errors';
import {
  accountId,
  AccountParams,
  commandResult,
  CommandResultSchema,
  IdempotencyHeaders,
  problems,
} from '../schemas';
import type { RoutesPlugin } from '../typebox';
import { BillingDetailsBody } from './coupons';

export const BillingDetailsSaved = Type.Object({
  accountId,
  vatId: Type.Union([Type.String(), Type.Null()], {
    description: 'The VAT id as stored (upper case, no spaces), or null',
  }),
  appliesTo: Type.Literal('next_invoice', {
    description: 'Invoices already issued are never changed or refunded (PAY-10)',
  }),
});

/**
 * Refuses details that miss a field the country requires (LTD-7) or whose VAT id does not have
 * the format of a VAT id of the billing country (PAY-10). Nothing is stored when refused.
 */
export function checkBillingDetails(details: BillingDetailsInput): void {
  const missing = missingBillingFields(details);
  if (missing.length > 0) {
    throw new ApiError(
      'BILLING_DETAILS_INCOMPLETE',
      `Billing details for ${details.country ?? 'this country'} also need: ${missing.join(', ')} (LTD-7).`,
    );
  }
  const vatId = details.vatId?.trim() ?? '';
  if (vatId === '') return;
  const country = (details.country ?? '').toUpperCase();
  if (!isEuCountry(country) || !isValidVatId(vatId, country)) {
    throw new ApiError(
      'INVALID_VAT_ID',
      isEuCountry(country)
        ? `"${normaliseVatId(vatId)}" is not a VAT id of ${country}: it needs that country's prefix and number format (PAY-10).`
        : `A VAT id applies to EU member states only, and ${country} is not one (PAY-10).`,
    );
  }
}

export function billingRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/accounts/:accountId/billing-profile',
      {
        config: { routeId: 'owner.setBillingDetails', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Set the billing details and EU VAT id for the next invoices; issued invoices never ' +
            'change (PAY-10)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: BillingDetailsBody,
          response: { 200: BillingDetailsSaved, ...problems(404, 422) },
        },
      },
      async (request) => {
        const { accountId: id } = request.params;
        checkBillingDetails(request.body);
        if (!(await deps.store.saveBillingDetails(id, request.body))) {
          throw new ApiError('ACCOUNT_NOT_FOUND');
        }
        const vatId = request.body.vatId?.trim() ? normaliseVatId(request.body.vatId) : null;
        return { accountId: id, vatId, appliesTo: 'next_invoice' as const };
      },
    );

    app.post(
      '/v1/accounts/:accountId/billing-profile/correction',
      {
        config: { routeId: 'owner.correctBillingDetails', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Correct the billing details on the latest invoice: within 15 days a credit note and ' +
            'a corrected invoice, nothing charged; later refused, the details kept for the next ' +
            'invoice (PAY-9)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: BillingDetailsBody,
          response: { 200: CommandResultSchema, ...problems(404, 409, 422) },
        },
      },
      async (request) => {
        const { accountId: id } = request.params;
        checkBillingDetails(request.body);
        // PAY-9: the new details are kept whatever the workflow answers.
        if (!(await deps.store.saveBillingDetails(id, request.body))) {
          throw new ApiError('ACCOUNT_NOT_FOUND');
        }
        return commandResult(
          await deps.gateway.correctBillingDetails(
            id,
            requestKeyFor(request, 'owner.correctBillingDetails'),
          ),
        );
      },
    );
    done();
  };
}
