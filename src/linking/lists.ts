/**
 * The fixed lists the linking engine decides with. docs/linking.md prints them; keep the two in step.
 */

/**
 * Local parts of role and automated addresses: nobody is created for them, whatever the org's settings. A local
 * part matches when it equals an entry, or starts with one followed by `-`, `_` or `+` (`support-eu`,
 * `noreply+bounce`).
 */
export const ROLE_LOCAL_PARTS: readonly string[] = [
  'noreply', 'no-reply', 'no_reply', 'donotreply', 'do-not-reply', 'do_not_reply', 'notifications', 'notification',
  'notify', 'alerts', 'alert', 'info', 'billing', 'invoice', 'invoices', 'accounts', 'accounting', 'support', 'help',
  'helpdesk', 'service', 'sales', 'admin', 'administrator', 'root', 'postmaster', 'hostmaster', 'webmaster',
  'mailer-daemon', 'mailerdaemon', 'bounce', 'bounces', 'abuse', 'security', 'privacy', 'legal', 'compliance',
  'contact', 'hello', 'office', 'team', 'jobs', 'careers', 'hr', 'marketing', 'newsletter', 'news', 'press',
  'media', 'feedback', 'orders', 'order', 'reservations', 'booking', 'calendar', 'calendar-notification',
  'unsubscribe', 'list', 'listserv', 'majordomo', 'daemon', 'system', 'automated', 'auto-confirm', 'reply',
];

/**
 * Free-mail and consumer ISP domains. No Account is matched or created from them, and their Leads get no company
 * from the domain. An entry ending in `.*` matches every top-level domain (`gmx.*` covers gmx.de, gmx.net, gmx.at).
 */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  'gmail.com', 'googlemail.com', 'outlook.com', 'outlook.*', 'hotmail.com', 'hotmail.*', 'live.com', 'live.*',
  'msn.com', 'passport.com', 'yahoo.com', 'yahoo.*', 'ymail.com', 'rocketmail.com', 'aol.com', 'aol.*', 'aim.com',
  'icloud.com', 'me.com', 'mac.com', 'gmx.*', 'web.de', 't-online.de', 'freenet.de', 'arcor.de', 'posteo.de',
  'posteo.net', 'mailbox.org', 'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me', 'tutanota.com',
  'tutanota.de', 'tuta.io', 'zoho.com', 'zohomail.com', 'yandex.ru', 'yandex.com', 'ya.ru', 'mail.ru', 'bk.ru',
  'inbox.ru', 'list.ru', 'rambler.ru', 'qq.com', '163.com', '126.com', 'sina.com', 'naver.com', 'daum.net',
  'hanmail.net', 'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'libero.it', 'virgilio.it',
  'tiscali.it', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl', 'onet.pl', 'comcast.net', 'verizon.net', 'att.net',
  'sbcglobal.net', 'cox.net', 'charter.net', 'earthlink.net', 'btinternet.com', 'sky.com', 'virginmedia.com',
  'bigpond.com', 'shaw.ca', 'rogers.com', 'sympatico.ca', 'fastmail.com', 'fastmail.fm', 'hey.com', 'mail.com',
  'email.com', 'usa.net', 'rediffmail.com', 'bluewin.ch', 'hushmail.com',
];

/**
 * Domains whose mail servers ignore a `+tag` after the local part (subaddressing), so `ann+news@` is `ann@`.
 * Gmail also ignores dots in the local part, and googlemail.com is the same mailbox as gmail.com.
 */
export const SUBADDRESS_DOMAINS: readonly string[] = [
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'icloud.com', 'me.com',
  'mac.com', 'fastmail.com', 'fastmail.fm', 'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me',
];

/** Domains where dots in the local part are ignored: `a.n.n@gmail.com` and `ann@gmail.com` are one mailbox. */
export const DOTLESS_DOMAINS: readonly string[] = ['gmail.com', 'googlemail.com'];

/** Return true when `domain` is on a list whose entries may end in `.*` (any top-level domain). */
export function domainOnList(domain: string, list: readonly string[]): boolean {
  const lower = domain.toLowerCase();
  return list.some((entry) => {
    if (!entry.endsWith('.*')) {
      return entry === lower;
    }
    // `gmx.*` covers `gmx.de` and `gmx.co.uk`, but not `gmx.example.com`.
    const stem = entry.slice(0, -1);
    return lower.startsWith(stem) && /^([a-z]{2,}|[a-z]{2,3}\.[a-z]{2})$/.test(lower.slice(stem.length));
  });
}

/**
 * Role words that mark an address as automated when they end its local part after a separator
 * (`comments-noreply`, `billing.support`, `calendar_notifications`).
 */
export const ROLE_SUFFIXES: readonly string[] = [
  'noreply', 'donotreply', 'notification', 'notifications', 'alerts', 'mailerdaemon', 'daemon', 'bounce', 'bounces',
  'autoconfirm', 'unsubscribe', 'newsletter', 'postmaster', 'support', 'helpdesk', 'billing', 'invoices',
];

const SEPARATORS = /[-._]+/;
const squash = (value: string) => value.split(SEPARATORS).join('');
const ROLE_WORDS = new Set(ROLE_LOCAL_PARTS.map(squash));
const SUFFIX_WORDS = new Set(ROLE_SUFFIXES.map(squash));
/** After a dot, a region or number (`support.eu`, `info.01`); a longer word there is a surname (`hr.smith`). */
const SHORT_QUALIFIER = /^[a-z0-9]{1,3}$/;

/**
 * Return true for role addresses such as `noreply@`, `no.reply@`, `support-eu@`, `support.eu@`, `mailer_daemon@`,
 * `comments-noreply@` or `postmaster@`. Separators (`.`, `_`, `-`) are ignored when comparing with the role list, and
 * a `+tag` is dropped. A role word followed by `-` or `_` and any text is a role address. So is a role word followed
 * by `.` and a short qualifier or another role word, and a local part ending in one of `ROLE_SUFFIXES` after a
 * separator. Names stay names: `hr.smith`, `mary.oneil`, `salesman`, `information.officer`.
 */
export function isRoleLocalPart(localPart: string): boolean {
  const base = localPart.toLowerCase().split('+')[0] ?? '';
  // Words with the separators between them, e.g. ['support', '.', 'eu'].
  const parts = base.split(/([-._]+)/).filter((part) => part !== '');
  const tokens = parts.filter((_, index) => index % 2 === 0);
  if (tokens.length === 0) {
    return false;
  }
  if (ROLE_WORDS.has(tokens.join(''))) {
    return true;
  }
  for (let count = 1; count < tokens.length; count += 1) {
    const head = tokens.slice(0, count).join('');
    const rest = tokens.slice(count);
    const separator = parts[count * 2 - 1] ?? '';
    const roleHead = ROLE_WORDS.has(head) && (/[-_]/.test(separator) || (rest.length === 1 && SHORT_QUALIFIER.test(rest[0]!)) || ROLE_WORDS.has(rest.join('')));
    if (roleHead || SUFFIX_WORDS.has(rest.join(''))) {
      return true;
    }
  }
  return false;
}
