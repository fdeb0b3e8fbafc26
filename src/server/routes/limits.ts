/** The API's bodies are small JSON objects (an address and a password, a reason); anything larger is refused with 413. */
export const API_BODY_LIMIT_BYTES = 16 * 1024;
