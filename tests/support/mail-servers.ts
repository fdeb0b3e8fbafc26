/**
 * The tests' Dovecot and Radicale starter: the sandbox starts the same servers, so the code lives in
 * emulators/mail-servers.ts and the tests import it from here.
 */
export { missingServers, startDovecot, startRadicale, type RunningServer, type TestUser } from '../../emulators/mail-servers.ts';
