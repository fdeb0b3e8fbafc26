import { escapeXml, tag, textTag } from './xml.ts';

export const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** The response envelope with the ServerVersionInfo header of an Exchange 2016 CU server. */
export function envelope(body: string): string {
  const version = tag('h:ServerVersionInfo', {
    MajorVersion: '15',
    MinorVersion: '1',
    MajorBuildNumber: '2507',
    MinorBuildNumber: '6',
    Version: 'V2017_07_11',
    'xmlns:h': TYPES_NS,
    xmlns: TYPES_NS,
  });
  return `<?xml version="1.0" encoding="utf-8"?>${tag('s:Envelope', { 'xmlns:s': SOAP_NS }, tag('s:Header', {}, version), tag('s:Body', {}, body))}`;
}

/** `<m:{Operation}Response>` around one response message per requested item. */
export function operationResponse(operation: string, messages: readonly string[]): string {
  return tag(`m:${operation}Response`, { 'xmlns:m': MESSAGES_NS, 'xmlns:t': TYPES_NS }, tag('m:ResponseMessages', {}, ...messages));
}

export function success(operation: string, ...content: string[]): string {
  return tag(`m:${operation}ResponseMessage`, { ResponseClass: 'Success' }, textTag('m:ResponseCode', 'NoError'), ...content);
}

/** An error response message, shaped like the documented ones: text, code, link key, optional MessageXml. */
export function failure(operation: string, code: string, text: string, extra: { backOffMs?: number; content?: string } = {}): string {
  return tag(
    `m:${operation}ResponseMessage`,
    { ResponseClass: 'Error' },
    textTag('m:MessageText', text),
    textTag('m:ResponseCode', code),
    textTag('m:DescriptiveLinkKey', '0'),
    extra.backOffMs === undefined ? '' : tag('m:MessageXml', {}, tag('t:Value', { Name: 'BackOffMilliseconds' }, String(extra.backOffMs))),
    extra.content ?? '',
  );
}

/** A SOAP fault as Exchange sends it with HTTP 500: the code in faultcode and in detail, with BackOffMilliseconds when given. */
export function fault(code: string, text: string, backOffMs?: number): string {
  const errorsNs = 'http://schemas.microsoft.com/exchange/services/2006/errors';
  const detail = tag(
    'detail',
    {},
    tag('e:ResponseCode', { 'xmlns:e': errorsNs }, code),
    tag('e:Message', { 'xmlns:e': errorsNs }, escapeXml(text)),
    backOffMs === undefined ? '' : tag('t:MessageXml', { 'xmlns:t': TYPES_NS }, tag('t:Value', { Name: 'BackOffMilliseconds' }, String(backOffMs))),
  );
  const body = tag('s:Fault', {}, tag('faultcode', { 'xmlns:a': TYPES_NS }, `a:${code}`), tag('faultstring', { 'xml:lang': 'en-US' }, escapeXml(text)), detail);
  return `<?xml version="1.0" encoding="utf-8"?>${tag('s:Envelope', { 'xmlns:s': SOAP_NS }, tag('s:Body', {}, body))}`;
}

/** A thrown error that becomes one error response message for the item being processed. */
export class ItemError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A thrown error that fails the whole request with a SOAP fault. */
export class RequestFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly backOffMs?: number,
  ) {
    super(message);
  }
}
