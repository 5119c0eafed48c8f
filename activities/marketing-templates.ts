/**
 * GDPR-3: marketing email, sent only to owners who consented and whose processing is not
 * restricted (checked at send time in `mail.ts`). Every template in `email-templates.ts` is
 * transactional: the contract requires it, and consent does not govern it.
 */
import type { EmailTemplate } from '../workflows/policy/account';
import type { RenderedEmail } from './email-templates';
import type { Language } from './store';

export type MarketingTemplate = 'product_newsletter';
export const marketingTemplates: readonly MarketingTemplate[] = ['product_newsletter'];

/** Transactional email goes out whatever the consent; marketing email only with it. */
export type EmailCategory = 'transactional' | 'marketing';

export function emailCategory(template: EmailTemplate | MarketingTemplate): EmailCategory {
  return (marketingTemplates as readonly string[]).includes(template)
    ? 'marketing'
    : 'transactional';
}

interface MarketingTexts {
  readonly greeting: (name: string) => string;
  readonly signature: string;
  /** Every marketing email says how to stop receiving it (GDPR-3). */
  readonly unsubscribe: string;
  readonly product_newsletter: { readonly subject: string; readonly body: string };
}

const texts: Record<Language, MarketingTexts> = {
  en: {
    greeting: (name) => `Hello ${name},`,
    signature: 'The product team',
    unsubscribe:
      'You receive this because you agreed to hear about the product. To stop, withdraw your ' +
      'marketing consent in your account or ask support; it takes effect at once.',
    product_newsletter: {
      subject: 'What is new in the help desk',
      body: 'This month: faster ticket search, shared reply templates and a calmer inbox view.',
    },
  },
  lt: {
    greeting: (name) => `Sveiki, ${name},`,
    signature: 'Produkto komanda',
    unsubscribe:
      'Šį laišką gaunate, nes sutikote gauti naujienas apie produktą. Norėdami jų nebegauti, ' +
      'atšaukite sutikimą paskyroje arba kreipkitės į pagalbos tarnybą; tai įsigalioja iš karto.',
    product_newsletter: {
      subject: 'Kas naujo pagalbos tarnybos sistemoje',
      body: 'Šį mėnesį: greitesnė užklausų paieška, bendri atsakymų šablonai ir ramesnis pašto dėžutės vaizdas.',
    },
  },
  ro: {
    greeting: (name) => `Bună ziua, ${name},`,
    signature: 'Echipa produsului',
    unsubscribe:
      'Primiți acest mesaj pentru că ați acceptat să aflați noutăți despre produs. Pentru a ' +
      'nu le mai primi, retrageți consimțământul în cont sau scrieți echipei de suport; ' +
      'retragerea are efect imediat.',
    product_newsletter: {
      subject: 'Ce este nou în aplicația de asistență',
      body: 'Luna aceasta: căutare mai rapidă a tichetelor, șabloane de răspuns comune și o vedere mai liniștită a căsuței.',
    },
  },
};

export function renderMarketingEmail(
  template: MarketingTemplate,
  language: Language,
  data: { readonly fullName: string },
): RenderedEmail {
  const t = texts[language];
  const body = t[template];
  return {
    subject: body.subject,
    text: [t.greeting(data.fullName), body.body, t.unsubscribe, t.signature].join('\n\n') + '\n',
  };
}
