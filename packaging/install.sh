#!/usr/bin/env bash
# Install (or update) kiosk on a Debian 12 / Ubuntu 24.04 mini-PC, as root:
#
#   sudo packaging/install.sh [LAYOUT]        # from a clone of the repository
#   sudo packaging/install.sh --no-start [LAYOUT]   # everything but systemctl (a chroot, CI)
#
# Each install goes to /opt/kiosk/releases/<version>-<commit>; /opt/kiosk/current points at the
# one in use. Roll back with:  sudo packaging/install.sh --rollback
set -euo pipefail

PREFIX=${KIOSK_PREFIX:-/opt/kiosk}
KIOSK_USER=${KIOSK_USER:-kiosk}
CONFIG_DIR=${KIOSK_CONFIG_DIR:-/etc/kiosk}
UNIT=/etc/systemd/system/kiosk.service
here=$(cd "$(dirname "$0")/.." && pwd)

render_unit() {  # render_unit CAGE LAYOUT: the unit on stdout
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$KIOSK_USER|g" \
      -e "s|@CAGE@|$1|g" -e "s|@LAYOUT@|$2|g" "$here/packaging/kiosk.service.in"
}

if [ "${1:-}" = "--render-unit" ]; then  # used by the tests: no root, no changes
  render_unit "$2" "$3"; exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }

start=1
if [ "${1:-}" = "--no-start" ]; then start=0; shift; fi
systemctl_() { if [ "$start" = 1 ]; then systemctl "$@"; else echo "(not run) systemctl $*"; fi; }

if [ "${1:-}" = "--rollback" ]; then
  current=$(readlink -f "$PREFIX/current")
  previous=$(ls -1dt "$PREFIX"/releases/* | grep -vx "$current" | head -n 1 || true)
  [ -n "$previous" ] || { echo "install.sh: no earlier release to roll back to" >&2; exit 1; }
  ln -sfn "$previous" "$PREFIX/current"
  systemctl_ restart kiosk.service
  echo "rolled back to $previous"; exit 0
fi

layout_source=${1:-$here/layouts/demo.yaml}
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The wall's libraries (as in the Makefile), the cage compositor, and fonts.
apt-get install -y -qq --no-install-recommends cage python3-venv python3-pip libgl1 libegl1 \
  libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 \
  libwayland-client0 libwayland-cursor0 libwayland-egl1 fonts-dejavu-core fonts-noto-color-emoji \
  git ca-certificates

# The GPU and input devices belong to these groups where they exist ("render" is not on every
# system); useradd refuses a group that does not.
groups=$(for g in video render input; do getent group "$g" >/dev/null && printf '%s,' "$g"; done)
id "$KIOSK_USER" >/dev/null 2>&1 || useradd --system --create-home ${groups:+--groups "${groups%,}"} \
  --shell /usr/sbin/nologin "$KIOSK_USER"

version=$(git -C "$here" describe --always --dirty 2>/dev/null || date +%Y%m%d%H%M%S)
release="$PREFIX/releases/$version"
mkdir -p "$release"
cp -a "$here/kiosk" "$here/assets" "$here/layouts" "$here/pyproject.toml" "$here/README.md" "$release/"
python3 -m venv "$release/.venv"
"$release/.venv/bin/pip" install -q --upgrade pip
"$release/.venv/bin/pip" install -q -e "$release"
ln -sfn "$release" "$PREFIX/current"

mkdir -p "$CONFIG_DIR"
[ -f "$CONFIG_DIR/layout.yaml" ] || cp "$layout_source" "$CONFIG_DIR/layout.yaml"
"$PREFIX/current/.venv/bin/kiosk" check "$CONFIG_DIR/layout.yaml"

render_unit "$(command -v cage)" "$CONFIG_DIR/layout.yaml" > "$UNIT"
# The screens must never blank on their own: no console blanking, no DPMS from the OS.
mkdir -p /etc/systemd/logind.conf.d
printf '[Login]\nIdleAction=ignore\nHandleLidSwitch=ignore\n' > /etc/systemd/logind.conf.d/kiosk.conf
if [ -f /etc/default/grub ] && ! grep -q consoleblank=0 /etc/default/grub; then
  sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="/&consoleblank=0 /' /etc/default/grub && update-grub || true
fi
systemctl_ daemon-reload
systemctl_ disable --now getty@tty7.service 2>/dev/null || true
systemctl_ enable kiosk.service
systemctl_ set-default graphical.target
systemctl_ restart kiosk.service
echo "kiosk $version installed; logs: journalctl -u kiosk -f; layout: $CONFIG_DIR/layout.yaml"
