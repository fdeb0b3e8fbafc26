// Neither package ships type declarations; these cover the functions Syncline and the EWS emulator call.

declare module '@ewsjs/ntlm-client' {
  /** A decoded type 2 (Challenge) message. */
  export interface Type2Message {
    flags: number;
    encoding: 'ascii' | 'ucs2';
    /** 2 selects the NTLMv2 response in createType3Message. */
    version: 1 | 2;
    challenge: Buffer;
    targetName: string;
    targetInfo?: { parsed: Record<string, string>; buffer: Buffer };
  }

  /** Return `NTLM <base64>` of a type 1 (Negotiate) message. */
  export function createType1Message(workstation?: string, target?: string): string;
  /** Decode a type 2 message from `NTLM <base64>` or the bare base64; throws on a malformed message. */
  export function decodeType2Message(header: string): Type2Message;
  /** Return `NTLM <base64>` of a type 3 (Authenticate) message answering the challenge. */
  export function createType3Message(type2: Type2Message, username: string, password: string, workstation?: string, target?: string): string;

  const ntlm: { createType1Message: typeof createType1Message; decodeType2Message: typeof decodeType2Message; createType3Message: typeof createType3Message };
  export default ntlm;
}

declare module 'js-md4' {
  interface Md4 {
    (message: string | ArrayBuffer | Uint8Array): string;
    arrayBuffer(message: string | ArrayBuffer | Uint8Array): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}
