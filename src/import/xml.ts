// XML comes in through an injected parser (the browser's DOMParser, @xmldom/xmldom in node) so
// that src/import stays free of DOM and node dependencies.
import { failImport } from './problems.ts';
import type { ParseXml, XmlDocument, XmlElement } from './types.ts';

const ELEMENT_NODE = 1;

/** The platform DOMParser, where there is one; parse errors become exceptions as with xmldom. */
export function platformParseXml(): ParseXml | undefined {
  const Parser = (globalThis as { DOMParser?: new () => { parseFromString(text: string, type: string): unknown } }).DOMParser;
  if (!Parser) return undefined;
  return (text) => {
    const doc = new Parser().parseFromString(text, 'application/xml') as XmlDocument & { getElementsByTagName(n: string): ArrayLike<XmlElement> };
    const err = doc.getElementsByTagName('parsererror')[0];
    if (err) throw new Error((err.textContent ?? 'parse error').trim().split('\n')[0]);
    return doc;
  };
}

export function parseXmlSafely(text: string, parseXml: ParseXml | undefined): XmlElement {
  // KeePass never writes a DTD; refusing one rules out entity-expansion and external-entity attacks.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) failImport('unsupported', 'XML with a DOCTYPE or entity declarations is not accepted');
  const parser = parseXml ?? platformParseXml();
  if (!parser) failImport('unsupported', 'no XML parser available here; pass parseXml');
  let doc: XmlDocument;
  try {
    doc = parser(text);
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return failImport('malformed', `not well-formed XML (${message})`);
  }
  if (!doc.documentElement) failImport('malformed', 'the XML document is empty');
  return doc.documentElement;
}

export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const nodes = el.childNodes;
  for (let i = 0; i < nodes.length; i++) if (nodes[i].nodeType === ELEMENT_NODE) out.push(nodes[i] as unknown as XmlElement);
  return out;
}

export function childElement(el: XmlElement, name: string): XmlElement | undefined {
  return childElements(el).find((c) => c.tagName === name);
}

export function childText(el: XmlElement | undefined, name: string): string {
  if (!el) return '';
  return childElement(el, name)?.textContent ?? '';
}
