#!/usr/bin/env bash
# Install the real IMAP and CalDAV/CardDAV servers the imap-caldav tests start: Dovecot and Radicale, from Debian's
# packages. The tests run each as a child process on a loopback port with throwaway users and data, so the system
# services stay off: policy-rc.d keeps the packages from starting daemons, as in a container.
set -euo pipefail

if [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/radicale ]; then
  echo "Dovecot and Radicale are installed."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Installing Dovecot and Radicale needs root: run 'sudo $0', or install the Debian packages dovecot-imapd and radicale." >&2
  exit 1
fi

created_policy=false
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=true
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd radicale

if [ "$created_policy" = true ]; then
  rm -f /usr/sbin/policy-rc.d
fi
echo "Dovecot and Radicale are installed; the tests start their own instances."
