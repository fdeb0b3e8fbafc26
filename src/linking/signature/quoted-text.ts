/**
 * Remove what a reply quotes, so that only the sender's own text is searched for a signature: `>` lines, the
 * attribution line before them ("On … wrote:", "Am … schrieb …:", "… написал:"), and everything from a quoted
 * header block on ("-----Original Message-----", Outlook's "From: … Sent: …" in several languages).
 */

const ATTRIBUTION = [
  /^-*\s*On\b.{4,}\bwrote:?\s*$/i,
  /^Am\b.{4,}\bschrieb\b.*:\s*$/i,
  /^Le\b.{4,}\ba écrit\s*:\s*$/i,
  /^El\b.{4,}\bescribió:?\s*$/i,
  /^Il giorno\b.{4,}\bha scritto:?\s*$/i,
  /^Op\b.{4,}\bschreef\b.*:\s*$/i,
  /написал[а]?:?\s*$/i,
  /^.{4,}\bwrote:\s*$/i,
];

const ORIGINAL_MESSAGE = /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Forwarded message|Weitergeleitete Nachricht)\s*-*\s*$/i;
const BEGIN_FORWARD = /^(Begin forwarded message|Anfang der weitergeleiteten Nachricht):?\s*$/i;
const HEADER_FROM = /^\*?(From|Von|De|Da|Van|От|Från|Fra)\s*:\*?\s+\S/i;
const HEADER_NEXT = /^\*?(Sent|Gesendet|Date|Datum|Envoyé|Enviado|Inviato|Verzonden|Отправлено|Skickat|Sendt|To|An|À|Para|A|Aan|Кому|Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Тема|Cc)\s*:/i;
const SEPARATOR = /^[-_=*~ ]{2,}$/;

/** Return the sender's own lines of a plain-text body, quotes and quoted headers removed. */
export function stripQuotedText(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/\s+$/, ''));
  const kept: string[] = [];

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const trimmed = line.trim();
    if (trimmed.startsWith('>')) {
      continue;
    }
    if (ORIGINAL_MESSAGE.test(trimmed) || BEGIN_FORWARD.test(trimmed) || isHeaderBlock(lines, index)) {
      break;
    }

    const span = attributionSpan(lines, index);
    if (span === 0) {
      kept.push(line);
      continue;
    }
    // An attribution above `>` lines only introduces them; above plain text it starts an unmarked quote.
    const next = nextNonEmpty(lines, index + span);
    if (next !== null && next.trim().startsWith('>')) {
      index += span - 1;
      continue;
    }
    break;
  }

  while (kept.length > 0 && (kept.at(-1)!.trim() === '' || SEPARATOR.test(kept.at(-1)!.trim()))) {
    kept.pop();
  }
  return kept;
}

/** Lines an attribution at `index` takes: 0 when none starts there, 2 when it wraps onto the next line. */
function attributionSpan(lines: readonly string[], index: number): number {
  const line = lines[index]!.trim();
  if (line === '' || line.length > 300) {
    return 0;
  }
  if (ATTRIBUTION.some((pattern) => pattern.test(line))) {
    return 1;
  }
  const next = lines[index + 1]?.trim() ?? '';
  const joined = `${line} ${next}`;
  return next !== '' && !next.startsWith('>') && ATTRIBUTION.some((pattern) => pattern.test(joined)) ? 2 : 0;
}

/** A quoted header block: a From line followed within three lines by Sent, Date, To or Subject. */
function isHeaderBlock(lines: readonly string[], index: number): boolean {
  if (!HEADER_FROM.test(lines[index]!.trim())) {
    return false;
  }
  return lines.slice(index + 1, index + 4).some((line) => HEADER_NEXT.test(line.trim()));
}

function nextNonEmpty(lines: readonly string[], from: number): string | null {
  for (let index = from; index < lines.length; index += 1) {
    if (lines[index]!.trim() !== '') {
      return lines[index]!;
    }
  }
  return null;
}
