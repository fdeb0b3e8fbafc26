import { child, childText, children, descend, parseXml, type XmlNode } from './xml-tree.ts';

/** One `…ResponseMessage` of an EWS response: one per item or folder the request named, in request order. */
export interface ResponseMessage {
  readonly responseClass: 'Success' | 'Warning' | 'Error';
  readonly responseCode: string;
  readonly messageText: string;
  /** The server's `BackOffMilliseconds` hint, sent with ErrorServerBusy. */
  readonly backOffMs: number | null;
  readonly node: XmlNode;
}

/** A SOAP fault: the whole request failed (schema validation, throttling, impersonation). */
export interface SoapFault {
  readonly responseCode: string;
  readonly message: string;
  readonly backOffMs: number | null;
}

export type ParsedResponse =
  | { readonly kind: 'messages'; readonly messages: readonly ResponseMessage[]; readonly body: XmlNode }
  | { readonly kind: 'fault'; readonly fault: SoapFault }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Read an EWS response body: the response messages of the operation, or the fault. */
export function parseEwsResponse(text: string): ParsedResponse {
  let root: XmlNode | null;
  try {
    root = parseXml(text);
  } catch (error) {
    return { kind: 'unreadable', reason: `the body is not XML (${error instanceof Error ? error.message : 'parse error'})` };
  }
  if (root === null || root.name !== 'Envelope') {
    return { kind: 'unreadable', reason: 'the body is not a SOAP envelope' };
  }

  const body = child(root, 'Body');
  const fault = child(body, 'Fault');
  if (fault !== null) {
    return { kind: 'fault', fault: readFault(fault) };
  }

  const operationResponse = body?.children[0];
  if (operationResponse === undefined) {
    return { kind: 'unreadable', reason: 'the SOAP body is empty' };
  }
  return { kind: 'messages', messages: readMessages(operationResponse), body: operationResponse };
}

function readMessages(operationResponse: XmlNode): ResponseMessage[] {
  const list = child(operationResponse, 'ResponseMessages');
  return (list?.children ?? []).filter((node) => node.name.endsWith('ResponseMessage')).map(readMessage);
}

function readMessage(node: XmlNode): ResponseMessage {
  const responseClass = node.attributes.ResponseClass;
  return {
    responseClass: responseClass === 'Success' || responseClass === 'Warning' ? responseClass : 'Error',
    responseCode: (childText(node, 'ResponseCode') ?? '').trim() || (responseClass === 'Success' ? 'NoError' : 'ErrorUnknown'),
    messageText: (childText(node, 'MessageText') ?? '').trim(),
    backOffMs: backOffOf(child(node, 'MessageXml')),
    node,
  };
}

/**
 * The fault's response code is in `detail/ResponseCode`; older servers only name it in `faultcode`, as
 * `a:ErrorServerBusy`.
 */
function readFault(fault: XmlNode): SoapFault {
  const detail = child(fault, 'detail');
  const code = (childText(detail, 'ResponseCode') ?? '').trim() || (childText(fault, 'faultcode') ?? '').replace(/^.*:/, '').trim();
  return {
    responseCode: code || 'ErrorSoapFault',
    message: ((childText(detail, 'Message') ?? '') || (childText(fault, 'faultstring') ?? '')).trim(),
    backOffMs: backOffOf(child(detail, 'MessageXml')),
  };
}

function backOffOf(messageXml: XmlNode | null): number | null {
  const value = children(messageXml, 'Value').find((node) => node.attributes.Name === 'BackOffMilliseconds');
  const ms = value === undefined ? Number.NaN : Number(value.text.trim());
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** The items of a response message (`m:Items`), the elements inside it in order. */
export function itemsOf(message: ResponseMessage): XmlNode[] {
  return [...(descend(message.node, 'Items')?.children ?? [])];
}
