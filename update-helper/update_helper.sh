#!/bin/sh
# Swaps a staged Aether Native bundle into the installed path with renames on one volume, relaunches
# it, and restores the previous bundle when the new one does not report healthy in time.
#
#   update_helper.sh --installed=P --staged=P --backup=P --journal=P --log=P --health-marker=P
#                    --expect-version=V [--exit-timeout=S] [--health-timeout=S] [--max-attempts=N]
#                    [--stop-grace=S] -- LAUNCH_COMMAND [ARGS...]
#   update_helper.sh --recover --journal=P [--log=P]
#
# The journal (key=value lines, replaced by rename) names the step before it is taken. Rename is
# atomic but two renames are not: between "installed -> backup" and "staged -> installed" the
# installed path is empty. A kill there leaves the journal at moving-old-aside or moving-new-in,
# and --recover (run by the next helper or by the app's startup repair) renames the backup back.
#
# Exit codes: 0 committed or nothing to do, 2 usage, 3 rolled back, 4 attempts exhausted,
# 5 app still running, 6 precondition failed, 7 swap aborted with the old bundle in place,
# 8 another helper owns the journal, 9 a rename failed and the journal says where things are.
set -u
umask 022

NL='
'
INSTALLED='' STAGED='' BACKUP='' JOURNAL='' LOG='' HEALTH_MARKER='' EXPECT_VERSION=''
PREVIOUS_VERSION='' EXIT_TIMEOUT=30 HEALTH_TIMEOUT=60 MAX_ATTEMPTS=3 STOP_GRACE=5
MODE=swap STATE='' JOURNAL_PID='' LAUNCH_LINES='' RELAUNCH=yes

log() {
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) update_helper[$$] $*"
  if [ -n "$LOG" ] && printf '%s\n' "$line" >>"$LOG" 2>/dev/null; then return 0; fi
  printf '%s\n' "$line" >&2
}

die() { log "error: $2"; exit "$1"; } # code message

# Test hook: park the helper at a named point so a test can SIGKILL it exactly there.
pause_point() {
  [ "${AETHER_HELPER_PAUSE_AT:-}" = "$1" ] || return 0
  log "paused at $1"
  while :; do sleep 1; done
}

now() { date +%s; }

require_absolute() { # option value
  case $2 in /*) ;; *) die 2 "$1 must be an absolute path, got '$2'" ;; esac
  case $2 in *"$NL"*) die 2 "$1 must not contain a newline" ;; esac
}

require_count() { # option value
  case $2 in '' | *[!0-9]*) die 2 "$1 must be a whole number of seconds or attempts, got '$2'" ;; esac
}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --installed=*) INSTALLED=${1#*=} ;;
      --staged=*) STAGED=${1#*=} ;;
      --backup=*) BACKUP=${1#*=} ;;
      --journal=*) JOURNAL=${1#*=} ;;
      --log=*) LOG=${1#*=} ;;
      --health-marker=*) HEALTH_MARKER=${1#*=} ;;
      --expect-version=*) EXPECT_VERSION=${1#*=} ;;
      --exit-timeout=*) EXIT_TIMEOUT=${1#*=} ;;
      --health-timeout=*) HEALTH_TIMEOUT=${1#*=} ;;
      --max-attempts=*) MAX_ATTEMPTS=${1#*=} ;;
      --stop-grace=*) STOP_GRACE=${1#*=} ;;
      --recover) MODE=recover ;;
      --) shift; break ;;
      *) die 2 "unknown argument '$1'" ;;
    esac
    shift
  done
  for arg in "$@"; do
    case $arg in *"$NL"*) die 2 "the launch command must not contain a newline" ;; esac
    LAUNCH_LINES="${LAUNCH_LINES}launch_arg=$arg$NL"
  done
  [ -n "$JOURNAL" ] || die 2 "--journal is required"
  require_absolute --journal "$JOURNAL"
  [ -n "$LOG" ] || LOG="$JOURNAL.log"
  [ "$MODE" = recover ] && return 0
  for pair in "--installed=$INSTALLED" "--staged=$STAGED" "--backup=$BACKUP" "--health-marker=$HEALTH_MARKER"; do
    [ -n "${pair#*=}" ] || die 2 "${pair%%=*} is required"
    require_absolute "${pair%%=*}" "${pair#*=}"
  done
  [ -n "$EXPECT_VERSION" ] || die 2 "--expect-version is required"
  [ -n "$LAUNCH_LINES" ] || die 2 "a launch command is required after --"
  for pair in "--exit-timeout=$EXIT_TIMEOUT" "--health-timeout=$HEALTH_TIMEOUT" "--max-attempts=$MAX_ATTEMPTS" "--stop-grace=$STOP_GRACE"; do
    require_count "${pair%%=*}" "${pair#*=}"
  done
  if [ "$INSTALLED" = "$STAGED" ] || [ "$INSTALLED" = "$BACKUP" ] || [ "$STAGED" = "$BACKUP" ]; then
    die 2 "--installed, --staged and --backup must be three different paths"
  fi
}

journal_write() { # state
  STATE=$1
  tmp="$JOURNAL.tmp.$$"
  if ! {
    printf 'state=%s\nhelper_pid=%s\ninstalled=%s\nstaged=%s\nbackup=%s\n' "$STATE" "$$" "$INSTALLED" "$STAGED" "$BACKUP"
    printf 'health_marker=%s\nexpect_version=%s\nprevious_version=%s\n' "$HEALTH_MARKER" "$EXPECT_VERSION" "$PREVIOUS_VERSION"
    printf 'health_timeout=%s\nstop_grace=%s\nlog=%s\n%s' "$HEALTH_TIMEOUT" "$STOP_GRACE" "$LOG" "$LAUNCH_LINES"
  } >"$tmp" || ! mv -f "$tmp" "$JOURNAL"; then
    rm -f "$tmp"
    die 9 "cannot write the journal $JOURNAL (state $STATE)"
  fi
  log "step: $STATE"
  pause_point "$STATE:journaled"
}

journal_read() {
  [ -f "$JOURNAL" ] || return 1
  LAUNCH_LINES=''
  while IFS= read -r line || [ -n "$line" ]; do
    value=${line#*=}
    case $line in
      state=*) STATE=$value ;;
      helper_pid=*) JOURNAL_PID=$value ;;
      installed=*) INSTALLED=$value ;;
      staged=*) STAGED=$value ;;
      backup=*) BACKUP=$value ;;
      health_marker=*) HEALTH_MARKER=$value ;;
      expect_version=*) EXPECT_VERSION=$value ;;
      previous_version=*) PREVIOUS_VERSION=$value ;;
      health_timeout=*) HEALTH_TIMEOUT=$value ;;
      stop_grace=*) STOP_GRACE=$value ;;
      log=*) [ -n "$LOG_FROM_ARGS" ] || LOG=$value ;;
      launch_arg=*) LAUNCH_LINES="$LAUNCH_LINES$line$NL" ;;
    esac
  done <"$JOURNAL"
  [ -n "$STATE" ] && [ -n "$INSTALLED" ] && [ -n "$BACKUP" ]
}

escape_ere() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

# An instance is any process whose command line names a path inside the installed bundle (every
# Electron helper process lives there too); helpers are excluded since they name it as an argument.
instance_pids() {
  pattern="(^|[[:space:]])$(escape_ere "$INSTALLED")(/|[[:space:]]|\$)"
  for pid in $(pgrep -f -- "$pattern" 2>/dev/null); do
    [ "$pid" = "$$" ] && continue
    args=$(ps -o args= -p "$pid" 2>/dev/null) || continue
    case $args in *update_helper*) continue ;; esac
    printf '%s\n' "$pid"
  done
}

gone_within() { # seconds
  deadline=$(($(now) + $1))
  while [ -n "$(instance_pids)" ]; do
    [ "$(now)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

stop_instances() {
  pids=$(instance_pids)
  [ -n "$pids" ] || return 0
  log "stopping the running instance: $(printf '%s' "$pids" | tr '\n' ' ')"
  # shellcheck disable=SC2086 # one pid per word
  kill -TERM $pids 2>/dev/null
  gone_within "$STOP_GRACE" && return 0
  pids=$(instance_pids)
  log "instance ignored SIGTERM, sending SIGKILL"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $pids 2>/dev/null
  gone_within "$STOP_GRACE"
}

launch_app() {
  set --
  while IFS= read -r line; do
    case $line in launch_arg=*) set -- "$@" "${line#launch_arg=}" ;; esac
  done <<EOF
$LAUNCH_LINES
EOF
  [ $# -gt 0 ] || { log "no launch command recorded, not relaunching"; return 0; }
  log "launching: $*"
  "$@" </dev/null >>"$LOG" 2>&1 &
  log "launched pid $!"
}

relaunch_if_idle() {
  [ "$RELAUNCH" = yes ] || return 0
  [ -n "$(instance_pids)" ] || launch_app
}

marker_version() {
  [ -f "$HEALTH_MARKER" ] || return 0
  sed -n 's/^version=//p' "$HEALTH_MARKER" | head -n 1
}

wait_for_health() { # expected version
  deadline=$(($(now) + HEALTH_TIMEOUT))
  while :; do
    reported=$(marker_version)
    [ "$reported" = "$1" ] && return 0
    if [ -n "$reported" ]; then
      log "health marker reports version $reported, expected $1"
      return 1
    fi
    if [ "$(now)" -ge "$deadline" ]; then
      log "no health marker for version $1 within ${HEALTH_TIMEOUT}s"
      return 1
    fi
    sleep 0.2
  done
}

move() { # from to
  mv -f "$1" "$2" && return 0
  die 9 "cannot rename '$1' to '$2' (journal state $STATE)"
}

filesystem_of() { df -P "$1" 2>/dev/null | awk 'NR == 2 { print $1 " " $NF }'; }

discard_old_backups() {
  [ ! -e "$BACKUP" ] || move "$BACKUP" "$BACKUP.discard.$$"
  for leftover in "$BACKUP".discard.*; do [ ! -e "$leftover" ] || rm -rf "$leftover"; done
}

fix_ownership_and_permissions() { # path
  # shellcheck disable=SC2012 # one known path; ls -n is the portable way to read uid:gid on macOS and Linux
  owner=$(ls -nd "$INSTALLED" | awk '{ print $3 ":" $4 }')
  if [ "$(id -u)" = 0 ] && [ -n "$owner" ]; then
    chown -R "$owner" "$1" || die 6 "cannot give '$1' the owner $owner"
  fi
  chmod -R u+rwX,go+rX,go-w "$1" || die 6 "cannot fix permissions of '$1'"
  if [ -f "$1" ]; then chmod 755 "$1" || die 6 "cannot make '$1' executable"; fi
  if [ "$(uname -s)" = Darwin ] && command -v xattr >/dev/null 2>&1; then
    xattr -dr com.apple.quarantine "$1" 2>/dev/null || true
  fi
}

count_attempt() {
  attempts_file="$JOURNAL.attempts"
  count=0
  if [ -f "$attempts_file" ] && [ "$(sed -n 's/^version=//p' "$attempts_file")" = "$EXPECT_VERSION" ]; then
    count=$(sed -n 's/^count=//p' "$attempts_file")
    case $count in '' | *[!0-9]*) count=0 ;; esac
  fi
  if [ "$count" -ge "$MAX_ATTEMPTS" ]; then
    die 4 "giving up on version $EXPECT_VERSION after $count attempts; stage a newer build or remove $attempts_file"
  fi
  count=$((count + 1))
  printf 'version=%s\ncount=%s\n' "$EXPECT_VERSION" "$count" >"$attempts_file.tmp.$$" && mv -f "$attempts_file.tmp.$$" "$attempts_file"
  log "attempt $count of $MAX_ATTEMPTS for version $EXPECT_VERSION"
}

commit() {
  journal_write committed
  rm -f "$JOURNAL.attempts"
  log "version $EXPECT_VERSION is healthy; previous bundle kept at $BACKUP"
  exit 0
}

# Relaunch before the terminal journal entry: recovery of a finished journal launches nothing.
abort_swap() { # reason
  log "swap aborted: $1; the previous bundle is in place"
  relaunch_if_idle
  journal_write aborted
  exit 7
}

roll_back() { # reason
  log "rolling back: $1"
  stop_instances
  journal_write rolling-back
  finish_rollback
}

# Safe to re-run from any point of a rollback: the disk says which renames are still to do.
finish_rollback() {
  if [ -e "$INSTALLED" ] && [ -e "$BACKUP" ]; then
    # Back to the staged path so a retry (bounded by the attempt counter) needs no new staging.
    rejected="$BACKUP.rejected.$$"
    if [ ! -e "$STAGED" ] && [ -d "$(dirname "$STAGED")" ]; then rejected=$STAGED; fi
    move "$INSTALLED" "$rejected"
    pause_point rolling-back:new-aside
  fi
  if [ ! -e "$INSTALLED" ]; then
    [ -e "$BACKUP" ] || die 9 "neither '$INSTALLED' nor its backup '$BACKUP' exists"
    move "$BACKUP" "$INSTALLED"
  fi
  log "previous bundle restored at $INSTALLED"
  if [ "$RELAUNCH" = yes ] && [ -z "$(instance_pids)" ]; then
    rm -f "$HEALTH_MARKER"
    launch_app
  fi
  journal_write rolled-back
  [ "$RELAUNCH" = yes ] || exit 3
  if [ -n "$PREVIOUS_VERSION" ] && wait_for_health "$PREVIOUS_VERSION"; then
    log "previous version $PREVIOUS_VERSION is running again"
  fi
  exit 3
}

await_new_version() {
  reported=$(marker_version)
  [ "$reported" = "$EXPECT_VERSION" ] && commit
  [ -n "$reported" ] && roll_back "health marker reports version $reported, expected $EXPECT_VERSION"
  relaunch_if_idle
  pause_point awaiting-health:launched
  if wait_for_health "$EXPECT_VERSION"; then commit; fi
  roll_back "version $EXPECT_VERSION did not report healthy"
}

helper_alive() { # pid
  [ -n "$1" ] && [ "$1" != "$$" ] || return 1
  kill -0 "$1" 2>/dev/null || return 1
  case $(ps -o args= -p "$1" 2>/dev/null) in *update_helper*) return 0 ;; esac
  return 1
}

recover() {
  if ! journal_read; then
    log "recover: no usable journal at $JOURNAL, nothing to do"
    return 0
  fi
  case $STATE in committed | rolled-back | aborted) return 0 ;; esac
  if helper_alive "$JOURNAL_PID"; then
    log "recover: helper $JOURNAL_PID is still working on $JOURNAL"
    exit 8
  fi
  log "recover: resuming a swap left at state $STATE"
  case $STATE in
    preparing)
      discard_old_backups
      abort_swap "interrupted while preparing"
      ;;
    moving-old-aside | moving-new-in)
      if [ ! -e "$INSTALLED" ]; then
        [ -e "$BACKUP" ] || die 9 "neither '$INSTALLED' nor its backup '$BACKUP' exists"
        move "$BACKUP" "$INSTALLED"
        abort_swap "interrupted between the two renames; put the previous bundle back"
      fi
      [ "$STATE" = moving-old-aside ] && abort_swap "interrupted before the previous bundle was moved"
      journal_write awaiting-health
      await_new_version
      ;;
    awaiting-health) await_new_version ;;
    rolling-back) finish_rollback ;;
    *) die 9 "unknown journal state '$STATE' in $JOURNAL" ;;
  esac
}

swap() {
  mkdir -p "$(dirname "$JOURNAL")" "$(dirname "$LOG")" || die 6 "cannot create the journal folder"
  log "swap requested: $STAGED -> $INSTALLED (version $EXPECT_VERSION)"
  [ -e "$INSTALLED" ] || die 6 "nothing is installed at '$INSTALLED'"
  [ -e "$STAGED" ] || die 6 "nothing is staged at '$STAGED'"
  [ -d "$(dirname "$BACKUP")" ] || mkdir -p "$(dirname "$BACKUP")" || die 6 "cannot create the backup folder"
  volume=$(filesystem_of "$(dirname "$INSTALLED")")
  if [ "$volume" != "$(filesystem_of "$STAGED")" ] || [ "$volume" != "$(filesystem_of "$(dirname "$BACKUP")")" ]; then
    die 6 "installed, staged and backup paths must be on one volume so the swap is a rename"
  fi
  count_attempt
  PREVIOUS_VERSION=$(marker_version)
  journal_write preparing
  if ! gone_within "$EXIT_TIMEOUT"; then
    journal_write aborted
    die 5 "the app is still running from '$INSTALLED' after ${EXIT_TIMEOUT}s"
  fi
  rm -f "$HEALTH_MARKER"
  fix_ownership_and_permissions "$STAGED"
  discard_old_backups
  pause_point preparing:done
  journal_write moving-old-aside
  move "$INSTALLED" "$BACKUP"
  pause_point moving-old-aside:done
  journal_write moving-new-in
  if ! mv -f "$STAGED" "$INSTALLED"; then
    move "$BACKUP" "$INSTALLED"
    abort_swap "cannot rename '$STAGED' to '$INSTALLED'"
  fi
  pause_point moving-new-in:done
  journal_write awaiting-health
  await_new_version
}

LOG_FROM_ARGS=''
for arg in "$@"; do case $arg in --log=*) LOG_FROM_ARGS=1 ;; esac done
parse_args "$@"
if [ "$MODE" = recover ]; then
  recover
  exit 0
fi
# A swap left half-done by an earlier helper is finished or undone before a new one starts.
# The app that started this helper is still running, so that repair relaunches nothing.
(MODE=recover RELAUNCH=no && recover) || case $? in
  8) die 8 "another helper is working on $JOURNAL" ;;
  9) die 9 "could not repair the previous swap recorded in $JOURNAL" ;;
esac
swap
