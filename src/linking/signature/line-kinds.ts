/** Kind of one line of a signature block, judged by its text alone. */

/** Closing words that end the message text and open the signature ("Best regards,", "Mit freundlichen Grüßen"). */
const VALEDICTION = new RegExp(
  '^(?:(?:best|kind|warm|warmest|many|with)?\\s*(?:regards|wishes)|best|cheers|thanks?(?: you)?(?: again| so much)?'
  + '|thx|sincerely(?: yours)?|yours(?: truly| sincerely)?|respectfully|all the best|take care|talk soon'
  + '|(?:mit )?(?:freundliche[nm]?|beste[nm]?|herzliche[nm]?|liebe[nm]?|viele[nm]?|schöne[nm]?|sonnige[nm]?)\\s+gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?|(?:viele |liebe |beste |herzliche )?gr(?:ü|ue)(?:ß|ss)e(?: aus \\S+)?|mfg|lg|vg|danke(?: und gruß)?|danke,? (?:und )?viele grüße'
  + '|cordialement|bien (?:à vous|cordialement)|salutations|saludos(?: cordiales)?|atentamente|un saluto|cordiali saluti|distinti saluti'
  + '|met vriendelijke groet(?:en)?|groeten|с уважением|hälsningar|med vänlig hälsning)[,.!]*$',
  'iu',
);

/** Lines that end a signature: a legal disclaimer, a confidentiality notice, a virus scanner's stamp. */
const DISCLAIMER = /\b(confidential|intended (?:solely |only )?for|intended recipient|privileged|if you (?:are not|have received)|disclaimer|virus|vertraulich|Adressat|bestimmungsgemäß|ausschließlich für|Haftung|strictement confidentiel|destinataire)/i;

/** Legal footer lines: register, seat and board listings, tax ids. They hold names and companies of others. */
const LEGAL = /^(?:sitz|registered (?:office|in)|geschäftsführ|gesch\.?f\.|vorstand|aufsichtsrat|amtsgericht|registergericht|handelsregister|hr[ab]\b|ust|vat\b|st\.?-?nr|steuer|managing director|directors?\b|ceo\s*:|board\b|company (?:no|number|registration)|reg(?:istration)?\.? ?no|location\s*:|persönlich haftende|ohg mit sitz|kg mit sitz|ag\s*:|court of registration|chairman|vorsitz|inhaber|prokur|iban|bic\b|swift|bankverbindung|bank\s*:|tax id|siret|siren|rcs\b|capital social|kvk|registre)/i;

const SEPARATOR = /^[-_=*~#+.·• ]{2,}$/;
const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;
const URL_TAIL = /<(?:https?:\/\/|mailto:)[^>]*>/gi;
const WEBSITE_LABEL = /^(?:w|web|website|webseite|internet|homepage|url|site)\s*[:.]\s*/i;
const WEBSITE = /^(?:https?:\/\/)?(?:www\d?\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+(?::\d+)?(?:\/\S*)?$/i;
const STREET = /\b(?:str(?:\.|aße|asse)|straße|weg|platz|allee|gasse|street|st\.|avenue|ave\.?|road|rd\.?|boulevard|blvd|suite|floor|lane|drive|dr\.|way|rue|via|calle|postfach|p\.?o\.? box)\b/i;
const POSTCODE_CITY = /(?:^|\s)(?:[A-Z]{1,2}-)?\d{4,5}\s+\p{Lu}/u;

/** Legal forms that mark a line as a company name. */
const LEGAL_FORM = /(?:^|[\s,])(?:GmbH(?: & Co\.? KG)?|gGmbH|AG|KG|KGaA|OHG|GbR|UG|e\.\s?V\.|SE|Inc\.?|Incorporated|LLC|L\.L\.C\.|LLP|LP|Ltd\.?|Limited|Corp\.?|Corporation|Co\.|Company|S\.A\.|SA|SAS|SARL|S\.?r\.?l\.?|S\.?p\.?A\.?|B\.V\.|BV|N\.V\.|NV|AB|AS|A\/S|ApS|Oy|Oyj|plc|PLC|Pty\.?(?: Ltd\.?)?|K\.K\.|S\.L\.|Sp\. z o\.o\.|Stiftung|Group|Holding)(?=$|[\s,.)])/;

/** Closing lines that a mail client adds and that are no part of the sender's details. */
const CLIENT_LINE = /^(?:sent (?:from|with|via)|gesendet (?:von|mit)|envoyé de|von meinem|get outlook|download|\[?cid:)/i;

export function isValediction(line: string): boolean {
  return line.length <= 50 && VALEDICTION.test(line.trim());
}

export function isDisclaimer(line: string): boolean {
  return line.length > 60 && DISCLAIMER.test(line);
}

export function isLegal(line: string): boolean {
  return LEGAL.test(line.trim());
}

export function isSeparator(line: string): boolean {
  return SEPARATOR.test(line.trim());
}

export function isClientLine(line: string): boolean {
  return CLIENT_LINE.test(line.trim());
}

export function hasEmail(line: string): boolean {
  return EMAIL.test(line.replace(URL_TAIL, ''));
}

/** Strip the `<http://…>` and `<mailto:…>` tails that Outlook adds to links in plain text. */
export function withoutLinkTails(line: string): string {
  return line.replace(URL_TAIL, '').trim();
}

/** Return the website when it is the only content of a line (after an optional `Web:` label), without scheme or trailing slash, else null. */
export function websiteOf(line: string): string | null {
  const text = withoutLinkTails(line).replace(WEBSITE_LABEL, '').trim();
  if (!WEBSITE.test(text) || EMAIL.test(text)) {
    return null;
  }
  const bare = text.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  // A plain word with a dot ("Co.Ltd") is no host: require a letter-only top-level domain.
  return /\.[a-z]{2,}(?::\d+)?(?:\/|$)/i.test(bare) ? bare : null;
}

export function isAddressLine(line: string): boolean {
  const text = line.trim();
  return (/\d/.test(text) && STREET.test(text)) || POSTCODE_CITY.test(text);
}

export function hasLegalForm(line: string): boolean {
  return LEGAL_FORM.test(line.trim());
}

/** True for a line of long prose: many words and nothing a contact line holds. */
export function isProse(line: string): boolean {
  const words = line.trim().split(/\s+/).length;
  return words >= 12 && !hasEmail(line) && !/https?:\/\//i.test(line);
}
