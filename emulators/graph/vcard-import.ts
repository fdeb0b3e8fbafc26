import ICAL from 'ical.js';
import type { ContactSeed } from './contact-seed.ts';
import { contactSeedFromCard } from './vcard-contact.ts';
import { cardVersion, normalizeLineEndings, splitCards, vcard21To30 } from './vcard-text.ts';

export interface VcardImport {
  /** Contacts to seed, one per card that had something to import, in file order. */
  readonly seeds: ContactSeed[];
  /** Cards in the file, imported or not. */
  readonly cards: number;
  /** Problems met while importing, one sentence each, naming the card. */
  readonly warnings: string[];
}

/**
 * Read every card of a .vcf file as Graph contact bodies. vCard 3.0 and 4.0 are parsed by ical.js; a 2.1 card
 * (Outlook 2003, older phones) is rewritten as 3.0 first. A card that cannot be parsed is reported and skipped,
 * so one broken card does not stop the others.
 */
export function importVcards(text: string, fileName: string): VcardImport {
  const cards = splitCards(normalizeLineEndings(text));
  const seeds: ContactSeed[] = [];
  const warnings: string[] = [];
  if (cards.length === 0) {
    warnings.push(`${fileName}: no BEGIN:VCARD … END:VCARD block; nothing imported`);
  }

  cards.forEach((card, index) => {
    const label = cards.length === 1 ? fileName : `${fileName} card ${index + 1}`;
    const version = cardVersion(card);
    let component: ICAL.Component;
    try {
      const source = version === '2.1' ? vcard21To30(card) : card;
      component = new ICAL.Component(ICAL.parse(source) as unknown[]);
    } catch (error) {
      warnings.push(`${label}: not a readable vCard (${error instanceof Error ? error.message : String(error)}); not imported`);
      return;
    }

    if (version !== null && !['2.1', '3.0', '4.0'].includes(version)) {
      warnings.push(`${label}: VERSION ${version} is not 2.1, 3.0 or 4.0; read as 3.0`);
    }
    const seed = contactSeedFromCard(component, label, warnings);
    if (seed !== null) {
      seeds.push(seed);
    }
  });
  return { seeds, cards: cards.length, warnings };
}
