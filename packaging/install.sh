#!/usr/bin/env bash
# Install or update kiosk on a Debian 12 mini-PC from a clone of the repository; see usage().
#
# Order, so that a refused layout changes as little as possible: arguments → checks that need
# nothing → apt packages → a new release in releases/<version>, not yet in use → the layout
# checked by that release's own kiosk → only then the user, /etc/kiosk (with a backup), the
# `current` link, the unit and systemctl. Every exit says what was and was not changed.
set -Eeuo pipefail

usage() {
  cat <<EOF
Usage: sudo packaging/install.sh [--no-start] [LAYOUT]
       sudo packaging/install.sh --rollback [--no-start]
       packaging/install.sh --check LAYOUT
       packaging/install.sh --render-unit LAYOUT
       packaging/install.sh --help

Installs (or updates) the kiosk wall from this clone: system packages (sway, grim, Qt's
libraries), a new release in $PREFIX/releases/<version> with its own Python venv, the
layout in $CONFIG_DIR (with the files it refers to), the kiosk.service unit, and the
command /usr/local/bin/kiosk for technicians (kiosk screens, kiosk check).

  LAYOUT          the layout to show. It is checked, with every local file it refers to,
                  before anything about kiosk changes. Files it refers to must lie in its
                  folder (or below): they are copied with it, keeping their relative paths.
                  An installed layout that differs is replaced; the old one and its files
                  go to $CONFIG_DIR/backup/layout-YYYYmmdd-HHMMSS/.
                  Without LAYOUT: keep the installed one, or install layouts/demo.yaml.
  --no-start      do everything but systemctl (a chroot, an image build, CI)
  --rollback      switch back to the release in use before the last switch, and restart
  --check LAYOUT  dry run: validate LAYOUT, list the files that would be copied; no root
                  needed, nothing changed
  --render-unit LAYOUT   print the systemd unit for LAYOUT (no root needed, nothing changed)
  -h, --help      this text

Exit status: 0 done; 1 a step failed (the message says what was changed); 2 bad arguments
or a refused layout.
EOF
}

# Resolved, so a release's path compares equal to what $PREFIX/current resolves to.
PREFIX=$(realpath -m "${KIOSK_PREFIX:-/opt/kiosk}")
KIOSK_USER=${KIOSK_USER:-kiosk}
CONFIG_DIR=${KIOSK_CONFIG_DIR:-/etc/kiosk}
# For the tests: a staging root for the system files below (no root needed then). Not for use
# on a real machine.
SYSROOT=${KIOSK_SYSROOT:-}
UNIT=$SYSROOT/etc/systemd/system/kiosk.service
LOGIND_DROPIN=$SYSROOT/etc/systemd/logind.conf.d/kiosk.conf
GRUB_DEFAULTS=$SYSROOT/etc/default/grub
COMMAND_LINK=$SYSROOT/usr/local/bin/kiosk
here=$(cd "$(dirname "$0")/.." && pwd)

# sway (without recommends: its config disables Xwayland, and swaybg, foot… are not needed),
# grim for per-TV screenshots, and what PySide6's wayland platform plugin loads: GL/EGL,
# fontconfig, dbus, xkbcommon, libwayland-*. Fonts for Arabic, Hebrew and colour emoji.
PACKAGES=(sway grim python3-venv python3-pip libgl1 libegl1 libopengl0 libglib2.0-0
  libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libwayland-client0 libwayland-cursor0
  libwayland-egl1 fonts-dejavu-core fonts-noto-color-emoji git ca-certificates)

step="reading the arguments"
changed=()        # what this run changed so far, for the closing message
staged_release="" # a release built by this run and not yet in use: removed on failure
temp_dirs=()
switched=""       # set once $PREFIX/current points at another release

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }

report_changes() {
  if [ -n "$staged_release" ] && [ -e "$staged_release" ]; then
    rm -rf "$staged_release"
    say "Removed the unfinished release $staged_release."
  fi
  if [ ${#changed[@]} -eq 0 ]; then
    say "Nothing was changed."
  else
    say "Changed before this point:"
    printf '  - %s\n' "${changed[@]}"
    say "Nothing else was changed."
  fi
}

die() {  # die CODE MESSAGE: the reason, then what was changed
  printf 'install.sh: %s\n' "$2" >&2
  report_changes >&2
  exit "$1"
}

on_error() {
  # A failing command substitution runs this in its subshell too: report once, in the parent.
  [ "$BASH_SUBSHELL" -eq 0 ] || exit "$1"
  trap - ERR
  printf 'install.sh: FAILED while %s (line %s: %s, exit %s)\n' "$step" "$2" "$3" "$1" >&2
  report_changes >&2
  [ -z "$switched" ] || say "To return to the release in use before: sudo $0 --rollback" >&2
  exit 1
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
trap 'trap - ERR; printf "\ninstall.sh: interrupted while %s\n" "$step" >&2; report_changes >&2; exit 130' INT TERM
remove_temp_dirs() { local dir; for dir in "${temp_dirs[@]}"; do rm -rf "$dir"; done; }
trap remove_temp_dirs EXIT

bad_usage() {
  printf 'install.sh: %s\n\n' "$1" >&2
  usage | sed -n '/^Usage/,/^$/p' >&2
  printf 'More: %s --help. Nothing was changed.\n' "$0" >&2
  exit 2
}

mode=install start=1 layout_arg=""
set_mode() { [ "$mode" = install ] || bad_usage "$1 and --$mode do not go together"; mode=${1#--}; }
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --no-start) start=0 ;;
    --rollback | --check | --render-unit) set_mode "$1" ;;
    --) shift; [ $# -le 1 ] || bad_usage "one layout at most"; layout_arg=${1:-}; break ;;
    -*) bad_usage "unknown option '$1'" ;;
    *) [ -z "$layout_arg" ] || bad_usage "one layout at most (got '$layout_arg' and '$1')"
       layout_arg=$1 ;;
  esac
  shift
done
case $mode in
  check | render-unit) [ -n "$layout_arg" ] || bad_usage "--$mode needs a LAYOUT" ;;
  rollback) [ -z "$layout_arg" ] || bad_usage "--rollback takes no layout" ;;
esac

render_unit() {  # render_unit LAYOUT: the unit on stdout
  local unit
  unit=$(sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$KIOSK_USER|g" -e "s|@LAYOUT@|$1|g" \
    "$here/packaging/kiosk.service.in")
  if grep -Eq '@[A-Z_]+@' <<<"$unit"; then
    die 1 "kiosk.service.in has a placeholder this script does not fill: $(grep -Eo '@[A-Z_]+@' <<<"$unit" | head -n 1)"
  fi
  printf '%s\n' "$unit"
}

systemctl_() {
  if [ "$start" = 1 ]; then systemctl "$@"; else say "  (not run: --no-start) systemctl $*"; fi
}

# --- the layout and the files it refers to --------------------------------------------------

copy_src=() copy_rel=() in_place=()
check_layout() {  # check_layout KIOSK LAYOUT: validate, then sort the files it refers to
  local kiosk=$1 layout dir listing file rel problems=0
  layout=$(realpath -e "$2")
  dir=$(dirname "$layout") # the folder kiosk resolves relative paths against
  copy_src=() copy_rel=() in_place=()
  # kiosk prints every error with file:line:col; the files follow on stdout when it is valid.
  listing=$("$kiosk" check --files "$layout") || return 1
  while IFS= read -r file; do
    [ -n "$file" ] || continue
    case $file in
      "$dir"/*)
        rel=${file#"$dir"/}
        if [ ! -f "$file" ]; then
          printf 'install.sh: %s refers to %s, which is not there (%s)\n' "$2" "$rel" "$file" >&2
          problems=1
        elif [[ $rel == layout.yaml || $rel == layout.files || $rel == backup/* ]]; then
          printf 'install.sh: %s refers to %s, a name install.sh keeps for itself in %s; rename it\n' \
            "$2" "$rel" "$CONFIG_DIR" >&2
          problems=1
        else
          copy_src+=("$file") copy_rel+=("$rel")
        fi ;;
      *)
        if grep -qF -- "$file" "$layout"; then
          in_place+=("$file") # written as an absolute path: a file of this machine, used where it is
          [ -e "$file" ] || warn "$2 refers to $file, which does not exist (yet)"
        else
          printf 'install.sh: %s refers to %s, outside its folder %s.\n' "$2" "$file" "$dir" >&2
          printf '  %s gets the layout and the files in its folder, so put %s in %s (or a\n' \
            "$CONFIG_DIR" "$(basename "$file")" "$dir" >&2
          printf '  folder below it) and refer to it by a path relative to the layout.\n' >&2
          problems=1
        fi ;;
    esac
  done <<<"$listing"
  return "$problems"
}

describe_layout_files() {
  local i
  if [ ${#copy_rel[@]} -eq 0 ] && [ ${#in_place[@]} -eq 0 ]; then
    say "  it refers to no local files"
  fi
  for i in "${!copy_rel[@]}"; do say "  copies ${copy_src[$i]} → $CONFIG_DIR/${copy_rel[$i]}"; done
  for i in "${!in_place[@]}"; do say "  uses ${in_place[$i]} where it is (an absolute path)"; done
}

# --- modes that need no root ----------------------------------------------------------------

if [ "$mode" = render-unit ]; then
  render_unit "$layout_arg"
  exit 0
fi

if [ "$mode" = check ]; then
  step="checking $layout_arg"
  [ -f "$layout_arg" ] || die 2 "no layout file at $layout_arg"
  if [ -x "$here/.venv/bin/kiosk" ]; then
    kiosk=$here/.venv/bin/kiosk
    say "Checking with the repository's venv ($here/.venv)."
  else
    temp=$(mktemp -d)
    temp_dirs+=("$temp")
    say "No venv in $here: building a temporary one in $temp (a few minutes; removed after)."
    # From a copy: pip builds in the source tree, and the checkout must stay as it is.
    mkdir "$temp/src"
    cp -a "$here/kiosk" "$here/pyproject.toml" "$here/README.md" "$temp/src/"
    python3 -m venv "$temp/venv"
    "$temp/venv/bin/pip" install -q --disable-pip-version-check "$temp/src"
    kiosk=$temp/venv/bin/kiosk
  fi
  if ! check_layout "$kiosk" "$layout_arg"; then
    die 2 "$layout_arg cannot be installed (see above)."
  fi
  say "$layout_arg can be installed as $CONFIG_DIR/layout.yaml:"
  describe_layout_files
  say "Nothing was changed (--check)."
  exit 0
fi

# --- root from here on ----------------------------------------------------------------------

step="checking what is needed"
[ "$(id -u)" = 0 ] || [ -n "$SYSROOT" ] || die 1 "run as root (sudo)"
render_unit "$CONFIG_DIR/layout.yaml" >/dev/null # a template this script cannot fill stops here
if [ "$start" = 1 ] && [ -z "$SYSROOT" ] && [ ! -d /run/systemd/system ]; then
  die 1 "systemd is not running here (a chroot or a container?): use --no-start"
fi

switch_current() {  # switch_current RELEASE: atomically, remembering the one it replaces
  local old
  old=$(readlink -e "$PREFIX/current" 2>/dev/null || true)
  if [ -n "$old" ] && [ "$old" != "$1" ]; then
    ln -sfn "$old" "$PREFIX/previous.new" && mv -T "$PREFIX/previous.new" "$PREFIX/previous"
  fi
  ln -sfn "$1" "$PREFIX/current.new" && mv -T "$PREFIX/current.new" "$PREFIX/current"
}

warn_without_session() {  # the unit runs `kiosk session`; a release from before it cannot start
  "$1/.venv/bin/kiosk" session --help >/dev/null 2>&1 \
    || warn "$1 has no 'kiosk session' command: kiosk.service cannot start it"
}

start_service() {
  step="restarting kiosk.service"
  systemctl_ restart kiosk.service
  if [ "$start" = 1 ]; then
    systemctl is-active --quiet kiosk.service \
      || die 1 "kiosk.service did not stay up: journalctl -u kiosk -e"
    say "kiosk.service is running."
  fi
}

if [ "$mode" = rollback ]; then
  step="rolling back"
  current=$(readlink -e "$PREFIX/current" 2>/dev/null || true)
  [[ -n $current && -d $current ]] || die 1 "no release in use ($PREFIX/current is missing)"
  target=$(readlink -e "$PREFIX/previous" 2>/dev/null || true)
  if [ -z "$target" ] || [ ! -d "$target" ] || [ "$target" = "$current" ]; then
    # Releases installed before $PREFIX/previous existed: the newest other one. (Release names
    # are versions and dates, so ls is safe here.)
    # shellcheck disable=SC2012
    target=$(ls -1dt "$PREFIX"/releases/*/ 2>/dev/null | sed 's|/$||' | grep -vxF "$current" \
      | head -n 1 || true)
  fi
  [ -n "$target" ] || die 1 "no earlier release to roll back to in $PREFIX/releases"
  [ -x "$target/.venv/bin/kiosk" ] || die 1 "$target has no .venv/bin/kiosk: not rolling back to it"
  warn_without_session "$target"
  [ ! -f "$CONFIG_DIR/layout.yaml" ] || say "Checking the layout with $(basename "$target"):"
  if [ -f "$CONFIG_DIR/layout.yaml" ] && ! "$target/.venv/bin/kiosk" check "$CONFIG_DIR/layout.yaml"; then
    warn "the older release does not accept $CONFIG_DIR/layout.yaml: the wall will show its error page"
  fi
  step="switching $PREFIX/current"
  switch_current "$target"
  switched=1
  changed+=("$PREFIX/current → $target (was $current)")
  start_service
  say "Rolled back from $(basename "$current") to $(basename "$target")."
  say "The layout is unchanged ($CONFIG_DIR/layout.yaml). To undo: sudo $0 --rollback"
  exit 0
fi

# --- install --------------------------------------------------------------------------------

if [ -n "$layout_arg" ]; then
  [[ -f $layout_arg && -r $layout_arg ]] || die 2 "no readable layout file at $layout_arg"
  layout_source=$(realpath "$layout_arg")
elif [ -f "$CONFIG_DIR/layout.yaml" ]; then
  layout_source=$CONFIG_DIR/layout.yaml
  say "No layout given: keeping $layout_source."
else
  layout_source=$here/layouts/demo.yaml
  say "No layout given and none installed: installing the demo, $layout_source."
fi
[[ -f $here/pyproject.toml && -d $here/kiosk ]] || die 1 "$here is not a kiosk checkout"
if [ -x "$here/.venv/bin/kiosk" ]; then
  # Fail before apt where we can: the full check runs again with the new release below.
  step="checking the layout with $here/.venv"
  check_layout "$here/.venv/bin/kiosk" "$layout_source" \
    || die 2 "$layout_source cannot be installed (see above)."
else
  say "The layout is checked once the new release is built (there is no kiosk to check it yet)."
fi

step="installing system packages"
say "==> Installing system packages: ${PACKAGES[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
changed+=("apt: package lists updated; packages being installed (maybe partly done)")
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
changed[-1]="apt: installed or updated ${PACKAGES[*]}"

step="building the new release"
commit=$(git -C "$here" -c safe.directory='*' describe --always --dirty 2>/dev/null || echo nogit)
case $commit in
  # Uncommitted code is a release of its own, never the same as an earlier one.
  nogit | *-dirty) version="$commit-$(date +%Y%m%d-%H%M%S)" ;;
  *) version=$commit ;;
esac
release=$PREFIX/releases/$version
in_use=$(readlink -e "$PREFIX/current" 2>/dev/null || true)
if [ -f "$release/.kiosk-release" ] || [ "$release" = "$in_use" ]; then
  say "==> Release $version is already built: using $release"
else
  say "==> Building release $version in $release (not in use yet)"
  rm -rf "$release" # what an interrupted build left
  mkdir -p "$PREFIX/releases"
  staged_release=$release
  mkdir "$release"
  for part in kiosk assets layouts pyproject.toml README.md kiosk-layout.schema.json; do
    [ ! -e "$here/$part" ] || cp -a "$here/$part" "$release/"
  done
  find "$release" -name __pycache__ -prune -exec rm -rf {} +
  if [ -n "${KIOSK_TEST_VENV:-}" ]; then
    # Tests only: the release runs its own code with that venv's packages, no download.
    mkdir -p "$release/.venv/bin"
    printf '#!/bin/sh\nPYTHONPATH="%s" exec "%s/bin/python" -m kiosk.cli "$@"\n' \
      "$release" "$KIOSK_TEST_VENV" >"$release/.venv/bin/kiosk"
    chmod 755 "$release/.venv/bin/kiosk"
  else
    python3 -m venv "$release/.venv"
    "$release/.venv/bin/pip" install -q --disable-pip-version-check -e "$release"
  fi
  printf 'version=%s\nbuilt=%s\nfrom=%s\n' "$version" "$(date -Is)" "$here" >"$release/.kiosk-release"
fi

step="checking the layout with the new release"
if ! check_layout "$release/.venv/bin/kiosk" "$layout_source"; then
  die 2 "$layout_source cannot be installed (see above)."
fi
say "==> $layout_source is valid:"
describe_layout_files
warn_without_session "$release"

step="checking the layout as it will be installed"
# A copy beside $CONFIG_DIR resolves relative paths (and files: allow:) as $CONFIG_DIR will,
# and is on the same file system, so moving its files in later is a rename.
mkdir -p "$(dirname "$CONFIG_DIR")"
incoming=$(mktemp -d "$CONFIG_DIR.incoming.XXXXXX")
temp_dirs+=("$incoming")
install -m 0644 "$layout_source" "$incoming/layout.yaml"
for i in "${!copy_rel[@]}"; do install -D -m 0644 "${copy_src[$i]}" "$incoming/${copy_rel[$i]}"; done
printf '%s\n' "${copy_rel[@]}" | sed '/^$/d' >"$incoming/layout.files"
if ! "$release/.venv/bin/kiosk" check "$incoming/layout.yaml" >/dev/null; then
  die 2 "$layout_source would not be valid once copied to $CONFIG_DIR (see above)."
fi

step="creating the user $KIOSK_USER"
# The GPU and input devices belong to these groups where they exist (a chroot may have none).
wanted=()
for group in video render input; do
  if getent group "$group" >/dev/null; then wanted+=("$group"); fi
done
if ! id "$KIOSK_USER" >/dev/null 2>&1; then
  useradd --system --create-home --shell /usr/sbin/nologin \
    ${wanted[0]+--groups "$(IFS=,; echo "${wanted[*]}")"} "$KIOSK_USER"
  changed+=("user $KIOSK_USER created (groups: ${wanted[*]:-none})")
else
  missing=()
  for group in "${wanted[@]}"; do
    id -nG "$KIOSK_USER" | tr ' ' '\n' | grep -qx "$group" || missing+=("$group")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    usermod -a -G "$(IFS=,; echo "${missing[*]}")" "$KIOSK_USER"
    changed+=("user $KIOSK_USER added to ${missing[*]}")
  fi
fi

step="installing the layout in $CONFIG_DIR"
mkdir -p "$CONFIG_DIR"
old_files=()
[ ! -f "$CONFIG_DIR/layout.files" ] || mapfile -t old_files <"$CONFIG_DIR/layout.files"

same_as_installed() {
  [ -f "$CONFIG_DIR/layout.yaml" ] && cmp -s "$incoming/layout.yaml" "$CONFIG_DIR/layout.yaml" \
    && cmp -s <(sort "$incoming/layout.files") <(printf '%s\n' "${old_files[@]}" | sed '/^$/d' | sort) \
    || return 1
  local rel
  for rel in "${copy_rel[@]}"; do cmp -s "$incoming/$rel" "$CONFIG_DIR/$rel" || return 1; done
}

if same_as_installed; then
  say "==> $CONFIG_DIR/layout.yaml is already this layout: unchanged."
else
  backup=""
  if [ -f "$CONFIG_DIR/layout.yaml" ]; then
    backup=$CONFIG_DIR/backup/layout-$(date +%Y%m%d-%H%M%S)
    while [ -e "$backup" ]; do backup+="-1"; done
    mkdir -p "$backup"
    cp -p "$CONFIG_DIR/layout.yaml" "$backup/layout.yaml"
    for rel in "${old_files[@]}"; do
      [ ! -f "$CONFIG_DIR/$rel" ] || (cd "$CONFIG_DIR" && cp -p --parents "$rel" "$backup/")
    done
    changed+=("previous layout backed up to $backup/ (with ${#old_files[@]} files)")
  fi
  # Files first, layout.yaml last: a running wall reloads the layout when it changes, and by
  # then every file it names is in place.
  for rel in "${copy_rel[@]}"; do
    mkdir -p "$(dirname "$CONFIG_DIR/$rel")"
    mv -f "$incoming/$rel" "$CONFIG_DIR/$rel"
  done
  mv -f "$incoming/layout.files" "$CONFIG_DIR/layout.files"
  mv -f "$incoming/layout.yaml" "$CONFIG_DIR/layout.yaml"
  for rel in "${old_files[@]}"; do # files only the old layout used (they are in the backup)
    if ! printf '%s\n' "${copy_rel[@]}" | grep -qxF -- "$rel"; then
      rm -f "$CONFIG_DIR/$rel"
      rmdir -p --ignore-fail-on-non-empty "$(dirname "$CONFIG_DIR/$rel")" 2>/dev/null || true
    fi
  done
  changed+=("$CONFIG_DIR/layout.yaml is now $layout_source (with ${#copy_rel[@]} files)")
  if [ -n "$backup" ]; then
    say "==> Replaced $CONFIG_DIR/layout.yaml; the previous one is in $backup/"
  else
    say "==> Installed $CONFIG_DIR/layout.yaml"
  fi
fi

step="switching $PREFIX/current to $version"
if [ "$release" != "$in_use" ]; then
  switch_current "$release"
  staged_release="" switched=1 # in use now: kept whatever happens next
  changed+=("$PREFIX/current → $release (was ${in_use:-none})")
fi

step="linking the kiosk command"
mkdir -p "$(dirname "$COMMAND_LINK")"
if [ -e "$COMMAND_LINK" ] && [ ! -L "$COMMAND_LINK" ]; then
  warn "$COMMAND_LINK was a file, not a link: replaced"
fi
if [ "$(readlink "$COMMAND_LINK" 2>/dev/null)" != "$PREFIX/current/.venv/bin/kiosk" ]; then
  ln -sfn "$PREFIX/current/.venv/bin/kiosk" "$COMMAND_LINK"
  changed+=("$COMMAND_LINK → $PREFIX/current/.venv/bin/kiosk")
fi

step="writing the systemd unit and the no-blanking settings"
write_if_changed() {  # write_if_changed FILE TEXT
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$2" >"$1.new" && mv -f "$1.new" "$1"
    changed+=("$1 written")
  fi
}
write_if_changed "$UNIT" "$(render_unit "$CONFIG_DIR/layout.yaml")"
# The TVs must never blank on their own: logind does nothing when idle, the console never blanks.
write_if_changed "$LOGIND_DROPIN" "$(printf '[Login]\nIdleAction=ignore\nHandleLidSwitch=ignore')"
if [ ! -f "$GRUB_DEFAULTS" ]; then
  say "No $GRUB_DEFAULTS: add consoleblank=0 to the kernel command line by hand."
elif grep -q consoleblank=0 "$GRUB_DEFAULTS"; then
  : # already there
elif ! grep -q '^GRUB_CMDLINE_LINUX_DEFAULT="' "$GRUB_DEFAULTS"; then
  say "$GRUB_DEFAULTS has no GRUB_CMDLINE_LINUX_DEFAULT line: add consoleblank=0 by hand."
else
  sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="/&consoleblank=0 /' "$GRUB_DEFAULTS"
  changed+=("consoleblank=0 added to $GRUB_DEFAULTS")
  if [ -n "$SYSROOT" ] || ! command -v update-grub >/dev/null; then
    say "update-grub not run (not found, or a staging root): run it before the next boot."
  elif update-grub >/dev/null 2>&1; then
    changed+=("update-grub run: consoleblank=0 applies from the next boot")
  else
    warn "update-grub failed: run it by hand; consoleblank=0 applies only after it has run"
  fi
fi

step="enabling kiosk.service"
systemctl_ daemon-reload
if [ "$start" = 1 ]; then systemctl disable --now getty@tty7.service 2>/dev/null || true; fi
systemctl_ enable kiosk.service
systemctl_ set-default graphical.target
start_service

say ""
say "kiosk $version installed$([ "$start" = 1 ] || echo ", not started (--no-start)")."
say "  release:  $PREFIX/current → $release"
say "  layout:   $CONFIG_DIR/layout.yaml"
say "  logs:     journalctl -u kiosk -f        screens: kiosk screens"
say "  undo:     sudo $0 --rollback"
