/**
 * The texts of every email the platform sends, in the account's language (en, lt, ro).
 * Plain text, short, and rendered from data only: amounts through `formatMoney`, instants in UTC.
 */
import type { EmailTemplate } from '../workflows/policy/account';
import { formatMoney, type Money } from '../workflows/policy/money';
import { opsEmail } from './ops-email-templates';
import type { Language, StoredInvoice } from './store';

export interface EmailData {
  readonly fullName: string;
  /** Required by `receipt`. */
  readonly invoice?: StoredInvoice;
  /** Required by `cancellation_confirmed`, `inactivity_warning` (the deletion time), the payment
   * reminders and `price_change_notice`. */
  readonly effectiveAt?: number;
  /** Required by `price_change_notice`: the new period price. */
  readonly amount?: Money;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
}

export class EmailDataMissingError extends Error {
  override readonly name = 'EmailDataMissingError';
}

interface Texts {
  readonly greeting: (name: string) => string;
  readonly signature: string;
  readonly receipt: {
    readonly subject: (number: string) => string;
    readonly intro: string;
    readonly number: string;
    readonly issued: string;
    readonly period: string;
    readonly total: string;
  };
  readonly trial_expired: { readonly subject: string; readonly body: string };
  readonly payment_failed: { readonly subject: string; readonly body: string };
  readonly payment_retrying: {
    readonly subject: string;
    readonly body: (suspendAt: string) => string;
  };
  readonly payment_failed_final_warning: {
    readonly subject: string;
    readonly body: (suspendAt: string) => string;
  };
  readonly price_change_notice: {
    readonly subject: string;
    readonly body: (price: string, from: string) => string;
  };
  readonly shared_login_surcharge: {
    readonly subject: string;
    readonly body: (amount: string) => string;
  };
  readonly account_stopped: { readonly subject: string; readonly body: string };
  readonly cancellation_confirmed: {
    readonly subject: string;
    readonly body: (effectiveAt: string) => string;
  };
  readonly account_cancelled: { readonly subject: string; readonly body: string };
  readonly inactivity_warning: {
    readonly subject: string;
    readonly body: (deletionAt: string) => string;
  };
  readonly seats_over_included: { readonly subject: string; readonly body: string };
  readonly billing_details_required: { readonly subject: string; readonly body: string };
  readonly billing_details_suspended: { readonly subject: string; readonly body: string };
  readonly code_abuse_suspended: { readonly subject: string; readonly body: string };
}

const texts: Record<Language, Texts> = {
  en: {
    greeting: (name) => `Hello ${name},`,
    signature: 'The billing team',
    receipt: {
      subject: (number) => `Receipt for invoice ${number}`,
      intro: 'Thank you: we received your payment.',
      number: 'Invoice',
      issued: 'Issued',
      period: 'Period',
      total: 'Total paid',
    },
    trial_expired: {
      subject: 'Your trial has ended',
      body: 'Your free trial has ended and the account is suspended. Add a payment method to reactivate it.',
    },
    payment_failed: {
      subject: 'Your payment failed',
      body: 'We could not charge your payment method, so the account is suspended. Add a new payment method to pay what is due and reactivate it.',
    },
    payment_retrying: {
      subject: 'Your payment failed: we will try again',
      body: (at) =>
        `We could not charge your payment method for the new period. We will try again over the next days; if it is still unpaid on ${at}, the account will be suspended. You can add a new payment method at any time to pay now.`,
    },
    payment_failed_final_warning: {
      subject: 'Last reminder: your account will be suspended',
      body: (at) =>
        `Your payment is still failing. We will make a last attempt on ${at}; if it fails, the account will be suspended. Add a new payment method now to avoid this.`,
    },
    price_change_notice: {
      subject: 'Your plan’s price is changing',
      body: (price, from) =>
        `With 30 days’ notice, we are changing the price of your plan. Your subscription will cost ${price} per period from your renewal on ${from}; until then nothing changes.`,
    },
    shared_login_surcharge: {
      subject: 'A shared login was detected on your account',
      body: (amount) =>
        `One login is for one person. We detected a login shared by several people, so your next invoice will include a surcharge of ${amount}. Add seats for everyone who needs access to avoid it.`,
    },
    account_stopped: {
      subject: 'Your account has been stopped',
      body: 'Your account was stopped at your request and is now cancelled. Nothing more will be charged.',
    },
    cancellation_confirmed: {
      subject: 'Your cancellation is confirmed',
      body: (at) =>
        `We received your cancellation request. The account will be cancelled on ${at}.`,
    },
    account_cancelled: {
      subject: 'Your account is cancelled',
      body: 'Your account is now cancelled. Nothing more will be charged, and its content will be deleted.',
    },
    inactivity_warning: {
      subject: 'Your account will be deleted for inactivity',
      body: (at) =>
        `Nobody has used your account for 4 weeks. If it stays unused, the account and all its content will be deleted on ${at}, and this cannot be undone. To keep it, simply sign in or use the product before then.`,
    },
    seats_over_included: {
      subject: 'Your account now has more users than your deal includes',
      body: 'Your account now uses more seats than the lifetime deal includes. Each extra user is billed at the regular monthly price for the time it is used, at the end of each month. Please add your billing details and a card or PayPal account before then.',
    },
    billing_details_required: {
      subject: 'Billing details needed for your extra users',
      body: 'An invoice for the extra users of last month is due. Please add complete billing details and a card or PayPal account within 7 days, or access to the account will be suspended until you do.',
    },
    billing_details_suspended: {
      subject: 'Your account is suspended: billing details missing',
      body: 'The invoice for extra users could not be issued because billing details or a payment method are missing, so the account is suspended. Add them to pay what is due and restore access.',
    },
    code_abuse_suspended: {
      subject: 'Your account is suspended',
      body: 'The lifetime-deal code this account was opened with was redeemed for another account first. Each code may be used once, so this account is suspended.',
    },
  },
  lt: {
    greeting: (name) => `Sveiki, ${name},`,
    signature: 'Atsiskaitymų komanda',
    receipt: {
      subject: (number) => `Kvitas už sąskaitą faktūrą ${number}`,
      intro: 'Ačiū, jūsų mokėjimą gavome.',
      number: 'Sąskaita faktūra',
      issued: 'Išrašyta',
      period: 'Laikotarpis',
      total: 'Iš viso sumokėta',
    },
    trial_expired: {
      subject: 'Jūsų bandomasis laikotarpis baigėsi',
      body: 'Nemokamas bandomasis laikotarpis baigėsi, todėl paskyra sustabdyta. Pridėkite mokėjimo būdą, kad ją vėl aktyvuotumėte.',
    },
    payment_failed: {
      subject: 'Mokėjimas nepavyko',
      body: 'Nepavyko nuskaičiuoti mokėjimo jūsų mokėjimo būdu, todėl paskyra sustabdyta. Pridėkite naują mokėjimo būdą, kad sumokėtumėte mokėtiną sumą ir vėl aktyvuotumėte paskyrą.',
    },
    payment_retrying: {
      subject: 'Mokėjimas nepavyko: bandysime dar kartą',
      body: (at) =>
        `Nepavyko nuskaičiuoti mokėjimo už naują laikotarpį. Per kelias ateinančias dienas bandysime dar kartą; jei ${at} mokėjimas vis dar nebus gautas, paskyra bus sustabdyta. Bet kada galite pridėti naują mokėjimo būdą ir sumokėti dabar.`,
    },
    payment_failed_final_warning: {
      subject: 'Paskutinis priminimas: paskyra bus sustabdyta',
      body: (at) =>
        `Mokėjimas vis dar nepavyksta. Paskutinį kartą bandysime ${at}; jei nepavyks, paskyra bus sustabdyta. Pridėkite naują mokėjimo būdą dabar, kad to išvengtumėte.`,
    },
    price_change_notice: {
      subject: 'Keičiasi jūsų plano kaina',
      body: (price, from) =>
        `Prieš 30 dienų pranešame, kad keičiame jūsų plano kainą. Nuo prenumeratos atnaujinimo ${from} ji kainuos ${price} už laikotarpį; iki tol niekas nesikeičia.`,
    },
    shared_login_surcharge: {
      subject: 'Jūsų paskyroje aptiktas bendrai naudojamas prisijungimas',
      body: (amount) =>
        `Vienu prisijungimu gali naudotis vienas asmuo. Aptikome, kad prisijungimu naudojasi keli žmonės, todėl kitoje sąskaitoje bus ${amount} priemoka. Kad jos išvengtumėte, pridėkite vietų visiems, kam reikia prieigos.`,
    },
    account_stopped: {
      subject: 'Jūsų paskyra sustabdyta',
      body: 'Jūsų prašymu paskyra sustabdyta ir dabar yra atšaukta. Daugiau mokesčių nebus imama.',
    },
    cancellation_confirmed: {
      subject: 'Paskyros atšaukimas patvirtintas',
      body: (at) => `Gavome jūsų prašymą atšaukti paskyrą. Paskyra bus atšaukta ${at}.`,
    },
    account_cancelled: {
      subject: 'Jūsų paskyra atšaukta',
      body: 'Jūsų paskyra dabar atšaukta. Daugiau mokesčių nebus imama, o jos turinys bus ištrintas.',
    },
    inactivity_warning: {
      subject: 'Jūsų paskyra bus ištrinta dėl neaktyvumo',
      body: (at) =>
        `Jūsų paskyra nenaudojama jau 4 savaites. Jei ji ir toliau nebus naudojama, paskyra ir visas jos turinys bus negrįžtamai ištrinti ${at}. Norėdami ją išsaugoti, iki tol tiesiog prisijunkite arba naudokitės produktu.`,
    },
    seats_over_included: {
      subject: 'Jūsų paskyroje daugiau naudotojų, nei apima pasiūlymas',
      body: 'Jūsų paskyra dabar naudoja daugiau vietų, nei apima pasiūlymas visam laikui. Už kiekvieną papildomą naudotoją mokama įprasta mėnesio kaina už naudojimo laiką, kiekvieno mėnesio pabaigoje. Iki tol pridėkite atsiskaitymo duomenis ir kortelę arba PayPal paskyrą.',
    },
    billing_details_required: {
      subject: 'Reikia atsiskaitymo duomenų už papildomus naudotojus',
      body: 'Mokėtina praėjusio mėnesio sąskaita už papildomus naudotojus. Per 7 dienas pridėkite išsamius atsiskaitymo duomenis ir kortelę arba PayPal paskyrą, kitaip prieiga prie paskyros bus sustabdyta, kol to nepadarysite.',
    },
    billing_details_suspended: {
      subject: 'Paskyra sustabdyta: trūksta atsiskaitymo duomenų',
      body: 'Sąskaitos už papildomus naudotojus nepavyko išrašyti, nes trūksta atsiskaitymo duomenų arba mokėjimo būdo, todėl paskyra sustabdyta. Pridėkite juos, kad sumokėtumėte mokėtiną sumą ir atkurtumėte prieigą.',
    },
    code_abuse_suspended: {
      subject: 'Jūsų paskyra sustabdyta',
      body: 'Kodas, kuriuo atidaryta ši paskyra, pirmiau buvo panaudotas kitai paskyrai. Kiekvienas kodas gali būti panaudotas vieną kartą, todėl ši paskyra sustabdyta.',
    },
  },
  ro: {
    greeting: (name) => `Bună ziua, ${name},`,
    signature: 'Echipa de facturare',
    receipt: {
      subject: (number) => `Chitanță pentru factura ${number}`,
      intro: 'Vă mulțumim: am primit plata dumneavoastră.',
      number: 'Factura',
      issued: 'Emisă la',
      period: 'Perioada',
      total: 'Total plătit',
    },
    trial_expired: {
      subject: 'Perioada de probă s-a încheiat',
      body: 'Perioada de probă gratuită s-a încheiat, iar contul a fost suspendat. Adăugați o metodă de plată pentru a-l reactiva.',
    },
    payment_failed: {
      subject: 'Plata nu a reușit',
      body: 'Nu am putut încasa plata prin metoda dumneavoastră de plată, așa că contul a fost suspendat. Adăugați o nouă metodă de plată pentru a achita suma datorată și a reactiva contul.',
    },
    payment_retrying: {
      subject: 'Plata nu a reușit: vom încerca din nou',
      body: (at) =>
        `Nu am putut încasa plata pentru noua perioadă. Vom încerca din nou în zilele următoare; dacă suma nu este achitată până la ${at}, contul va fi suspendat. Puteți adăuga oricând o nouă metodă de plată pentru a plăti acum.`,
    },
    payment_failed_final_warning: {
      subject: 'Ultimul memento: contul va fi suspendat',
      body: (at) =>
        `Plata nu reușește în continuare. Vom face o ultimă încercare la ${at}; dacă nu reușește, contul va fi suspendat. Adăugați acum o nouă metodă de plată pentru a evita acest lucru.`,
    },
    price_change_notice: {
      subject: 'Prețul planului dumneavoastră se schimbă',
      body: (price, from) =>
        `Vă anunțăm cu 30 de zile înainte că prețul planului dumneavoastră se schimbă. Abonamentul va costa ${price} pe perioadă începând cu reînnoirea din ${from}; până atunci nu se schimbă nimic.`,
    },
    shared_login_surcharge: {
      subject: 'Am detectat o autentificare partajată în contul dumneavoastră',
      body: (amount) =>
        `O autentificare este pentru o singură persoană. Am detectat o autentificare folosită de mai multe persoane, așa că următoarea factură va include o taxă suplimentară de ${amount}. Adăugați locuri pentru toți cei care au nevoie de acces pentru a o evita.`,
    },
    account_stopped: {
      subject: 'Contul dumneavoastră a fost oprit',
      body: 'La cererea dumneavoastră, contul a fost oprit și este acum anulat. Nu se vor mai percepe plăți.',
    },
    cancellation_confirmed: {
      subject: 'Anularea a fost confirmată',
      body: (at) => `Am primit cererea dumneavoastră de anulare. Contul va fi anulat la ${at}.`,
    },
    account_cancelled: {
      subject: 'Contul dumneavoastră a fost anulat',
      body: 'Contul dumneavoastră este acum anulat. Nu se vor mai percepe plăți, iar conținutul său va fi șters.',
    },
    inactivity_warning: {
      subject: 'Contul dumneavoastră va fi șters din cauza inactivității',
      body: (at) =>
        `Contul dumneavoastră nu a fost folosit de 4 săptămâni. Dacă rămâne nefolosit, contul și tot conținutul său vor fi șterse definitiv la ${at}. Pentru a-l păstra, este suficient să vă autentificați sau să folosiți produsul înainte de această dată.`,
    },
    seats_over_included: {
      subject: 'Contul are acum mai mulți utilizatori decât include oferta',
      body: 'Contul folosește acum mai multe locuri decât include oferta pe viață. Fiecare utilizator suplimentar este facturat la prețul lunar obișnuit, pentru timpul folosit, la sfârșitul fiecărei luni. Adăugați până atunci datele de facturare și un card sau un cont PayPal.',
    },
    billing_details_required: {
      subject: 'Sunt necesare datele de facturare pentru utilizatorii suplimentari',
      body: 'Factura pentru utilizatorii suplimentari din luna trecută este scadentă. Adăugați în 7 zile datele complete de facturare și un card sau un cont PayPal, altfel accesul la cont va fi suspendat până le adăugați.',
    },
    billing_details_suspended: {
      subject: 'Contul este suspendat: lipsesc datele de facturare',
      body: 'Factura pentru utilizatorii suplimentari nu a putut fi emisă deoarece lipsesc datele de facturare sau metoda de plată, așa că contul a fost suspendat. Adăugați-le pentru a achita suma datorată și a restabili accesul.',
    },
    code_abuse_suspended: {
      subject: 'Contul dumneavoastră a fost suspendat',
      body: 'Codul cu care a fost deschis acest cont a fost folosit mai întâi pentru alt cont. Fiecare cod poate fi folosit o singură dată, așa că acest cont a fost suspendat.',
    },
  },
};

export function renderEmail(
  template: EmailTemplate,
  language: Language,
  data: EmailData,
): RenderedEmail {
  const t = texts[language];
  const letter = (subject: string, ...paragraphs: string[]): RenderedEmail => ({
    subject,
    text: [t.greeting(data.fullName), ...paragraphs, t.signature].join('\n\n') + '\n',
  });
  switch (template) {
    case 'receipt': {
      const invoice = data.invoice;
      if (!invoice) throw new EmailDataMissingError('A receipt needs its invoice.');
      const amount = (value: number) => formatMoney({ amount: value, currency: invoice.currency });
      const lines = invoice.lines.map(
        (line) =>
          `- ${line.description}, ${formatDate(line.periodStart)} – ${formatDate(line.periodEnd)}: ${amount(line.amount)}`,
      );
      return letter(
        t.receipt.subject(invoice.number),
        t.receipt.intro,
        [
          `${t.receipt.number}: ${invoice.number}`,
          `${t.receipt.issued}: ${formatDate(invoice.issuedAt)}`,
          `${t.receipt.period}: ${formatDate(invoice.periodStart)} – ${formatDate(invoice.periodEnd)}`,
        ].join('\n'),
        lines.join('\n'),
        `${t.receipt.total}: ${amount(invoice.total)}`,
      );
    }
    case 'cancellation_confirmed': {
      if (data.effectiveAt === undefined) {
        throw new EmailDataMissingError('A cancellation confirmation needs its effective time.');
      }
      const body = t.cancellation_confirmed.body(formatInstant(data.effectiveAt));
      return letter(t.cancellation_confirmed.subject, body);
    }
    case 'payment_retrying':
    case 'payment_failed_final_warning': {
      if (data.effectiveAt === undefined) {
        throw new EmailDataMissingError('A payment reminder needs the suspension time.');
      }
      return letter(t[template].subject, t[template].body(formatInstant(data.effectiveAt)));
    }
    case 'price_change_notice': {
      if (data.effectiveAt === undefined || data.amount === undefined) {
        throw new EmailDataMissingError('A price change notice needs the new price and its date.');
      }
      const body = t.price_change_notice.body(
        formatMoney(data.amount),
        formatInstant(data.effectiveAt),
      );
      return letter(t.price_change_notice.subject, body);
    }
    case 'shared_login_surcharge': {
      if (data.amount === undefined) {
        throw new EmailDataMissingError('A shared-login notice needs the surcharge.');
      }
      return letter(
        t.shared_login_surcharge.subject,
        t.shared_login_surcharge.body(formatMoney(data.amount)),
      );
    }
    case 'inactivity_warning': {
      if (data.effectiveAt === undefined) {
        throw new EmailDataMissingError('An inactivity warning needs the deletion time.');
      }
      const body = t.inactivity_warning.body(formatInstant(data.effectiveAt));
      return letter(t.inactivity_warning.subject, body);
    }
    case 'trial_expired':
    case 'payment_failed':
    case 'account_stopped':
    case 'account_cancelled':
    case 'seats_over_included':
    case 'billing_details_required':
    case 'billing_details_suspended':
    case 'code_abuse_suspended':
      return letter(t[template].subject, t[template].body);
    case 'ops_suspension_notice':
    case 'ops_termination_notice':
    case 'ops_suspended':
    case 'ops_terminated':
    case 'ops_reactivated':
    case 'ops_action_withdrawn': {
      const when = data.effectiveAt === undefined ? undefined : formatInstant(data.effectiveAt);
      const ops = opsEmail(template, language, when);
      if ('missing' in ops) throw new EmailDataMissingError(ops.missing);
      return letter(ops.subject, ops.body);
    }
  }
}

/** `2026-03-14` (UTC). */
export function formatDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `2026-03-14 23:59 UTC`. */
export function formatInstant(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
