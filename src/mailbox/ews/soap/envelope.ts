import { element, textElement } from './xml-write.ts';

export const SOAP_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const TYPES_NAMESPACE = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const MESSAGES_NAMESPACE = 'http://schemas.microsoft.com/exchange/services/2006/messages';

/** The schema version every request asks for: Exchange 2016 is the oldest server Syncline supports. */
export const REQUEST_SERVER_VERSION = 'Exchange2016';

/**
 * A SOAP 1.1 envelope for one EWS operation. With `impersonate` the service account acts as that mailbox through
 * ExchangeImpersonation, which needs the ApplicationImpersonation role. Times in requests are sent as UTC instants,
 * and the UTC time zone context makes the server answer in UTC as well.
 */
export function soapEnvelope(operation: string, options: { readonly impersonate: string | null }): string {
  const header = [
    element('t:RequestServerVersion', { Version: REQUEST_SERVER_VERSION }),
    options.impersonate === null ? '' : element('t:ExchangeImpersonation', {}, element('t:ConnectingSID', {}, textElement('t:PrimarySmtpAddress', options.impersonate))),
    element('t:TimeZoneContext', {}, element('t:TimeZoneDefinition', { Id: 'UTC' })),
  ].join('');

  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    element(
      'soap:Envelope',
      { 'xmlns:soap': SOAP_NAMESPACE, 'xmlns:t': TYPES_NAMESPACE, 'xmlns:m': MESSAGES_NAMESPACE },
      element('soap:Header', {}, header),
      element('soap:Body', {}, operation),
    )
  );
}
