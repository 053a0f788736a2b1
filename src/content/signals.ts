// Words that tell what a field or a form is for, in English, German, French and Spanish. Matched on
// normalized text: camelCase split, lower case, accents removed, punctuation turned into spaces. Most
// patterns match at the start of a word so that "username", "userId" and "user_name" all count.

/** "E-Mail-Adresse", "userName", "contraseña" → "e mail adresse", "user name", "contrasena". */
export function normalize(text: string): string {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9@]+/g, ' ')
    .trim();
}

const words = (alternatives: string | string[]) =>
  new RegExp(`(?:^|\\s)(?:${Array.isArray(alternatives) ? alternatives.join('|') : alternatives})`);

export const USERNAME = words(
  [
    'user',
    'usr',
    'login',
    'log in',
    'logon',
    'sign in',
    'signin',
    'e ?mail',
    'mail',
    'account',
    'acct',
    'member',
    'handle',
    'identifier',
    'ident',
    'phone',
    'mobile',
    'uid',
    'uname',
    'nick',
    'customer (id|number|no)',
    'benutzer',
    'nutzer',
    'anmelde',
    'kennung',
    'kundennummer',
    'konto',
    'telefon',
    'handynummer',
    'identifiant',
    'utilisateur',
    'courriel',
    'pseudo',
    'adresse e ?mail',
    'usuario',
    'correo',
    'cuenta',
    'movil',
    'celular',
  ].join('|'),
);

/** Text fields that are never usernames, even next to a password. */
export const NOT_USERNAME = words(
  [
    'search',
    'query',
    'keyword',
    'such',
    'recherch',
    'busca',
    'busqueda',
    'find',
    'newsletter',
    'subscri',
    'abonn',
    'suscri',
    'coupon',
    'promo',
    'voucher',
    'cupon',
    'gutschein',
    'gift',
    'discount',
    'captcha',
    'zip',
    'postal',
    'postcode',
    'plz',
    'city',
    'town',
    'street',
    'first ?name',
    'last ?name',
    'full ?name',
    'given',
    'family',
    'surname',
    'vorname',
    'nachname',
    'prenom',
    'apellido',
    'company',
    'organi',
    'firma',
    'birth',
    'geburt',
    'card',
    'iban',
    'amount',
    'qty',
    'quantity',
    'message',
    'comment',
    'subject',
    'referr',
    'invite',
    'website',
    'homepage',
    'url',
    'nachricht',
    'kommentar',
  ].join('|'),
);

/** A new password being chosen. */
export const NEW_PASSWORD = words(
  ['new', 'neue?[sn]?', 'nouveau', 'nouvelle', 'nuevo', 'nueva', 'create', 'choose', 'set ', 'wahlen', 'festlegen', 'choisi', 'elige', 'crea', 'reg', 'signup', 'sign up'].join('|'),
);

/** A new password typed again. */
export const CONFIRM_PASSWORD = new RegExp(
  `${words(
    [
      'confirm',
      'repeat',
      'retype',
      're ?enter',
      'again',
      'verif',
      'wiederhol',
      'bestatig',
      'erneut',
      'nochmal',
      'confirmer',
      'confirmation',
      'repet',
      'retaper',
      'confirmar',
      'repetir',
      'cpass',
      'pass(word)? ?2',
      'pwd ?2',
      'pw ?2',
      'password ?check',
    ].join('|'),
  ).source}`,
);

/** The password in use now, on a change-password form. */
export const CURRENT_PASSWORD = words(['current', 'old', 'existing', 'present', 'aktuell', 'alte?[sn]?', 'bisherig', 'actuel', 'ancien', 'actual', 'anterior'].join('|'));

/** One-time codes: strong words on their own. */
export const OTP = words(
  [
    'one ?time',
    'otp',
    'totp',
    'hotp',
    '2fa',
    'mfa',
    'two ?factor',
    '2 ?step',
    'two ?step',
    'verification code',
    'verify code',
    'security code',
    'auth(entication|entificator)? code',
    'authenticator',
    'sms code',
    'passcode',
    'bestatigungscode',
    'sicherheitscode',
    'verifizierungscode',
    'einmal',
    'code de (verification|securite|confirmation)',
    'codigo de (verificacion|seguridad|acceso)',
  ].join('|'),
);

/** Weak code words: need a short or numeric field to count as a one-time code. */
export const OTP_WEAK = words('code|token|pin');

/** Codes that are not one-time passwords. */
export const NOT_OTP = words('coupon|cupon|promo|voucher|gutschein|gift|discount|rabatt|descuento|remise|postal|zip|post ?code|country|area code|referr|invite|captcha|card|cvc|cvv|csc|kreditkarte|tarjeta|carte|iban');

export const HONEYPOT = words(['honey', 'hpot', 'hp', 'trap', 'leave (this )?(field )?(blank|empty)', 'do ?n ?t fill', 'dont fill', 'bot ?field', 'no ?bots?', 'nicht ausfullen', 'ne pas remplir', 'no rellenar']);

/** A field for a NEW e-mail address (an e-mail change form, not a login). */
export const EMAIL_NEW = words('(new|neue?|nouvel(le)?|nouveau|nueva?o?) ?(your )?(e ?mail|courriel|correo|adresse)');

/** Words around a form that changes the account's e-mail address. */
export const EMAIL_CHANGE_CONTEXT = words(
  [
    '(change|update|edit) (your )?(e ?mail|email address)',
    'e ?mail( adresse)? (andern|aendern|change|wechseln)',
    'modifier (votre |l )?(adresse )?(e ?mail|courriel)',
    'changer (votre |d )?(adresse )?(e ?mail|courriel)',
    'cambiar (tu |el )?(correo|e ?mail)',
  ].join('|'),
);

export const SEARCH = /(?:^|\s)(?:search|query|suche|suchen|recherche|rechercher|buscar|busqueda|find|keywords?)(?:\s|$)/;

export const LOGIN_CONTEXT = words(
  [
    'log ?in',
    'log on',
    'sign ?in',
    'signin',
    'anmeld',
    'einlog',
    'login',
    'connexion',
    'se connecter',
    'connecter',
    'iniciar sesion',
    'inicia sesion',
    'entrar',
    'acceder',
    'ingresar',
    'next',
    'continue',
    'weiter',
    'fortfahren',
    'suivant',
    'continuer',
    'siguiente',
    'continuar',
  ].join('|'),
);

export const SIGNUP_CONTEXT = words(
  [
    'sign ?up',
    'signup',
    'register',
    'registr',
    'create (an |your |new )?account',
    'join',
    'konto (erstellen|anlegen)',
    'jetzt registrieren',
    's inscrire',
    'inscri',
    'creer (un |votre )?compte',
    'crear (una |tu )?cuenta',
    'enroll',
  ].join('|'),
);

export const CHANGE_CONTEXT = words(
  ['change', 'update', 'reset', 'andern', 'aendern', 'zurucksetzen', 'modifier', 'changer', 'reinitialis', 'cambiar', 'restablecer', 'actualizar'].join('|'),
);

export const FORGOT_CONTEXT = words(
  ['forgot', 'forgotten', 'reset', 'recover', 'vergessen', 'zurucksetzen', 'oubli', 'reinitialis', 'olvid', 'restablecer', 'recuperar'].join('|'),
);

export const NEWSLETTER_CONTEXT = words(['newsletter', 'subscri', 'abonn', 'suscri', 'mailing list', 'stay (updated|in touch)', 'get updates', 'notify me', 'waitlist', 'wait list']);

/** autocomplete tokens, lower case, section-/shipping-/billing- prefixes and mode words kept aside. */
export function autocompleteTokens(value: string | null): string[] {
  return value ? value.toLowerCase().split(/\s+/).filter((t) => t !== '' && !t.startsWith('section-')) : [];
}

/** autocomplete values that say "this is not a login field". */
export const NON_LOGIN_AUTOCOMPLETE = new Set([
  'name',
  'honorific-prefix',
  'given-name',
  'additional-name',
  'family-name',
  'honorific-suffix',
  'nickname',
  'organization-title',
  'organization',
  'street-address',
  'address-line1',
  'address-line2',
  'address-line3',
  'address-level1',
  'address-level2',
  'address-level3',
  'address-level4',
  'country',
  'country-name',
  'postal-code',
  'cc-name',
  'cc-given-name',
  'cc-family-name',
  'cc-number',
  'cc-exp',
  'cc-exp-month',
  'cc-exp-year',
  'cc-csc',
  'cc-type',
  'transaction-currency',
  'transaction-amount',
  'language',
  'bday',
  'bday-day',
  'bday-month',
  'bday-year',
  'sex',
  'url',
  'photo',
]);

export const CHECKOUT_CONTEXT = words(
  ['checkout', 'check out', 'cart', 'basket', 'shipping', 'delivery', 'order', 'billing', 'payment', 'kasse', 'warenkorb', 'versand', 'bestellung', 'panier', 'livraison', 'commande', 'carrito', 'envio', 'pedido', 'pago'].join('|'),
);

/** Profile fields a signup asks for and a login does not. */
export const PROFILE = words(
  ['first ?name', 'last ?name', 'full ?name', 'given', 'family', 'surname', 'vorname', 'nachname', 'prenom', 'apellido', 'nombre', 'birth', 'geburt', 'naissance', 'nacimiento', 'date of', 'dob', 'display ?name', 'company', 'firma', 'address', 'adresse', 'street', 'zip', 'postal', 'city', 'phone'].join('|'),
);

/** Sign-in words without the generic next/continue. */
export const STRONG_LOGIN_CONTEXT = words(
  ['log ?in', 'log on', 'sign ?in', 'signin', 'anmeld', 'einlog', 'login', 'connexion', 'se connecter', 'iniciar sesion', 'inicia sesion', 'entrar', 'acceder', 'ingresar'].join('|'),
);

/** Masked fields that hold some other secret than the account's password. */
export const OTHER_SECRET = words(
  ['api', 'smtp', 'imap', 'ftp', 'wifi', 'wi fi', 'wlan', 'wpa', 'psk', 'ssid', 'database', 'db', 'client secret', 'secret key', 'access key', 'private key', 'token', 'encryption', 'wallet', 'recovery', 'license', 'licence', 'webhook'].join('|'),
);

/** Words on buttons that submit a credential form (besides sign-in and sign-up words). */
export const SUBMIT_WORDS = words(
  ['submit', 'continue', 'next', 'save', 'update', 'change', 'confirm', 'verify', 'go', 'ok', 'weiter', 'speichern', 'andern', 'bestatigen', 'suivant', 'continuer', 'valider', 'enregistrer', 'siguiente', 'continuar', 'guardar', 'cambiar', 'confirmar'].join('|'),
);
