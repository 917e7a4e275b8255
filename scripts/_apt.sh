# Sourced by setup.sh and test.sh: apt-get that waits for another apt/dpkg process instead of failing at once
# (exit 100, "Could not get lock /var/lib/dpkg/lock-frontend") — e.g. unattended-upgrades on a fresh machine.
APT_LOCK_TIMEOUT=${APT_LOCK_TIMEOUT:-900}
APT_SUDO=""
[ "$(id -u)" != 0 ] && APT_SUDO="sudo"

apt_get() {
  # DPkg::Lock::Timeout makes apt wait for the dpkg frontend lock; `update` also takes the lists lock, which
  # older apt does not wait for, so retry on a lock error (and only on that) for the same time budget.
  local waited=0 rc err
  err=$(mktemp)
  while true; do
    rc=0
    DEBIAN_FRONTEND=noninteractive $APT_SUDO apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@" 2>"$err" || rc=$?
    if [ "$rc" = 0 ] || ! grep -qE "Could not get lock|Unable to acquire the dpkg|Unable to lock" "$err" \
        || [ "$waited" -ge "$APT_LOCK_TIMEOUT" ]; then
      cat "$err" >&2; rm -f "$err"; return "$rc"
    fi
    echo "==> apt is busy (another apt/dpkg process holds its lock); waiting" >&2
    sleep 5; waited=$((waited + 5))
  done
}
