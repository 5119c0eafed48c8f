/**
 * The TERM-1 emails (the vendor suspends, terminates or reactivates an account), in the
 * account's language. `renderEmail` in ./email-templates.ts wraps them in the usual greeting
 * and signature.
 */
import type { EmailTemplate } from '../workflows/policy/account';
import type { Language } from './store';

export type OpsTemplate = Extract<
  EmailTemplate,
  | 'ops_suspension_notice'
  | 'ops_termination_notice'
  | 'ops_suspended'
  | 'ops_terminated'
  | 'ops_reactivated'
  | 'ops_action_withdrawn'
>;

export const opsTemplates: readonly OpsTemplate[] = [
  'ops_suspension_notice',
  'ops_termination_notice',
  'ops_suspended',
  'ops_terminated',
  'ops_reactivated',
  'ops_action_withdrawn',
];

interface OpsTexts {
  readonly ops_suspension_notice: {
    readonly subject: string;
    readonly body: (at: string) => string;
  };
  readonly ops_termination_notice: {
    readonly subject: string;
    readonly body: (at: string) => string;
  };
  readonly ops_suspended: { readonly subject: string; readonly body: string };
  readonly ops_terminated: { readonly subject: string; readonly body: string };
  readonly ops_reactivated: { readonly subject: string; readonly body: string };
  readonly ops_action_withdrawn: { readonly subject: string; readonly body: string };
}

const texts: Record<Language, OpsTexts> = {
  en: {
    ops_suspension_notice: {
      subject: 'Your account will be suspended',
      body: (at) =>
        `We have found that your account does not comply with our terms of service, and it will be suspended on ${at}. Until then nothing changes. Please reply to this email or contact support before then if you believe this is a mistake or want to resolve it.`,
    },
    ops_termination_notice: {
      subject: 'Your account will be terminated',
      body: (at) =>
        `We have found that your account does not comply with our terms of service, and it will be terminated on ${at}. Termination cannot be undone: nothing more will be charged and the account's content will be deleted. Please contact support before then if you believe this is a mistake.`,
    },
    ops_suspended: {
      subject: 'Your account is suspended',
      body: 'Under our terms of service your account is now suspended. Nothing is charged while it is suspended. Please contact support to resolve the matter and restore access.',
    },
    ops_terminated: {
      subject: 'Your account is terminated',
      body: 'Under our terms of service your account is now terminated. Nothing more will be charged, and the account’s content will be deleted; this cannot be undone.',
    },
    ops_reactivated: {
      subject: 'Your account is active again',
      body: 'The suspension of your account has been lifted and you can use it again. If a new period is due, it is charged now.',
    },
    ops_action_withdrawn: {
      subject: 'Your account will not be suspended',
      body: 'The suspension we announced for your account has been withdrawn. Nothing changes for you.',
    },
  },
  lt: {
    ops_suspension_notice: {
      subject: 'Jūsų paskyra bus sustabdyta',
      body: (at) =>
        `Nustatėme, kad jūsų paskyra neatitinka paslaugų teikimo sąlygų, todėl ji bus sustabdyta ${at}. Iki tol niekas nesikeičia. Jei manote, kad tai klaida, arba norite situaciją išspręsti, iki tol atsakykite į šį laišką arba susisiekite su pagalbos tarnyba.`,
    },
    ops_termination_notice: {
      subject: 'Jūsų paskyra bus panaikinta',
      body: (at) =>
        `Nustatėme, kad jūsų paskyra neatitinka paslaugų teikimo sąlygų, todėl ji bus panaikinta ${at}. Panaikinimo atšaukti negalima: daugiau nieko nebus nuskaičiuota, o paskyros turinys bus ištrintas. Jei manote, kad tai klaida, iki tol susisiekite su pagalbos tarnyba.`,
    },
    ops_suspended: {
      subject: 'Jūsų paskyra sustabdyta',
      body: 'Pagal paslaugų teikimo sąlygas jūsų paskyra dabar sustabdyta. Kol ji sustabdyta, nieko nenuskaičiuojame. Susisiekite su pagalbos tarnyba, kad situaciją išspręstume ir prieigą atkurtume.',
    },
    ops_terminated: {
      subject: 'Jūsų paskyra panaikinta',
      body: 'Pagal paslaugų teikimo sąlygas jūsų paskyra dabar panaikinta. Daugiau nieko nebus nuskaičiuota, o paskyros turinys bus ištrintas; to atšaukti negalima.',
    },
    ops_reactivated: {
      subject: 'Jūsų paskyra vėl aktyvi',
      body: 'Jūsų paskyros sustabdymas atšauktas, ja vėl galite naudotis. Jei prasidėjo naujas laikotarpis, už jį nuskaičiuojama dabar.',
    },
    ops_action_withdrawn: {
      subject: 'Jūsų paskyra nebus sustabdyta',
      body: 'Paskelbtas jūsų paskyros sustabdymas atšauktas. Jums niekas nesikeičia.',
    },
  },
  ro: {
    ops_suspension_notice: {
      subject: 'Contul dumneavoastră va fi suspendat',
      body: (at) =>
        `Am constatat că acest cont nu respectă termenii serviciului, așa că va fi suspendat la ${at}. Până atunci nu se schimbă nimic. Dacă sunteți de părere că este o greșeală sau doriți să rezolvați situația, răspundeți la acest mesaj sau contactați asistența până atunci.`,
    },
    ops_termination_notice: {
      subject: 'Contul dumneavoastră va fi închis definitiv',
      body: (at) =>
        `Am constatat că acest cont nu respectă termenii serviciului, așa că va fi închis definitiv la ${at}. Închiderea nu poate fi anulată: nu se va mai factura nimic, iar conținutul contului va fi șters. Dacă sunteți de părere că este o greșeală, contactați asistența până atunci.`,
    },
    ops_suspended: {
      subject: 'Contul dumneavoastră a fost suspendat',
      body: 'Conform termenilor serviciului, contul dumneavoastră este acum suspendat. Cât timp este suspendat nu se facturează nimic. Contactați asistența pentru a rezolva situația și a reda accesul.',
    },
    ops_terminated: {
      subject: 'Contul dumneavoastră a fost închis definitiv',
      body: 'Conform termenilor serviciului, contul dumneavoastră este acum închis definitiv. Nu se va mai factura nimic, iar conținutul contului va fi șters; acest lucru nu poate fi anulat.',
    },
    ops_reactivated: {
      subject: 'Contul dumneavoastră este din nou activ',
      body: 'Suspendarea contului a fost ridicată și îl puteți folosi din nou. Dacă a început o nouă perioadă, aceasta se facturează acum.',
    },
    ops_action_withdrawn: {
      subject: 'Contul dumneavoastră nu va fi suspendat',
      body: 'Suspendarea anunțată pentru contul dumneavoastră a fost retrasă. Pentru dumneavoastră nu se schimbă nimic.',
    },
  },
};

/** Subject and body of a TERM-1 email; `effectiveAt` (formatted) is required by the notices. */
export function opsEmail(
  template: OpsTemplate,
  language: Language,
  effectiveAt: string | undefined,
): { readonly subject: string; readonly body: string } | { readonly missing: string } {
  const t = texts[language];
  switch (template) {
    case 'ops_suspension_notice':
    case 'ops_termination_notice':
      if (effectiveAt === undefined)
        return { missing: 'A TERM-1 notice needs its effective time.' };
      return { subject: t[template].subject, body: t[template].body(effectiveAt) };
    case 'ops_suspended':
    case 'ops_terminated':
    case 'ops_reactivated':
    case 'ops_action_withdrawn':
      return { subject: t[template].subject, body: t[template].body };
  }
}
