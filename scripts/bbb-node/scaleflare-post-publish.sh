#!/usr/bin/env bash
# Scaleflare recording uploader for a BigBlueButton node (docs/recordings-ingest.md).
#
# Pushes a published recording (every format under PUBLISHED_DIR/<format>/<recordID>) to the
# Scaleflare balancer over HTTPS: files the balancer does not have yet are uploaded (small ones
# many per request, large ones in resumable parts, a few requests at once), then `complete`
# makes the balancer index it. Needs bash, curl, openssl,
# coreutils (sha256sum), findutils and flock, as on a stock BBB node (bash 4.3 or later: wait -n).
#
#   scaleflare-post-publish.sh -m <recordID>   upload one recording (BBB's post_publish hook)
#   scaleflare-post-publish.sh --batch         upload every published recording not yet uploaded
#   --hook post_archive -m <recordID>          report the recording as processing
#   --hook post_process -m <recordID> -f <format>   report that format as processed
#   -c <file>                                  configuration (default /etc/scaleflare/uploader.conf)
#
# Exit status: 0 uploaded (or nothing to do), 1 refused by the balancer (will not work as is),
# 2 still failing after every retry (try again later: --batch picks it up), 3 bad configuration.
set -uo pipefail

CONFIG=/etc/scaleflare/uploader.conf
# Settings and their defaults; the configuration file overrides them (KEY=value lines).
SCALEFLARE_URL=''
SERVER_ID=''
SECRET=''
PUBLISHED_DIR=/var/bigbluebutton/published
STATUS_DIR=/var/bigbluebutton/recording/status
WORK_DIR=/var/bigbluebutton/recording/scaleflare
PART_SIZE=67108864
BATCH_FILES=100
BATCH_BYTES=8388608
PARALLEL=4
RETRIES=8
RETRY_DELAY=2
RETRY_MAX_DELAY=300
CURL_TIMEOUT=600
DELETE_AFTER_UPLOAD=false
REQUIRED_FORMATS=''
LOG_FILE=''
BBB_PROPERTIES=/etc/bigbluebutton/bbb-web.properties
RAW_DIR=/var/bigbluebutton/recording/raw
FORMATS=''
RAP_CONFIG='/usr/local/bigbluebutton/core/scripts/bigbluebutton.yml /etc/bigbluebutton/recording/recording.yml'
HOOK_RETRIES=2

log() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) scaleflare-upload: $*"
  printf '%s\n' "$line" >&2
  if [ -n "$LOG_FILE" ]; then printf '%s\n' "$line" >>"$LOG_FILE" 2>/dev/null || true; fi
}

die_config() { log "configuration: $*"; exit 3; }

load_config() {
  [ -r "$CONFIG" ] || die_config "cannot read $CONFIG"
  local key value
  # Parsed, not sourced: the file is data, never code.
  while IFS='=' read -r key value || [ -n "$key" ]; do
    key="${key//[[:space:]]/}"
    case "$key" in '' | \#*) continue ;; esac
    value="${value%$'\r'}"
    value="${value#\"}"; value="${value%\"}"
    case "$key" in
      SCALEFLARE_URL | SERVER_ID | SECRET | PUBLISHED_DIR | STATUS_DIR | WORK_DIR | PART_SIZE | BATCH_FILES | BATCH_BYTES | PARALLEL | \
        RETRIES | RETRY_DELAY | \
        RETRY_MAX_DELAY | CURL_TIMEOUT | DELETE_AFTER_UPLOAD | REQUIRED_FORMATS | LOG_FILE | BBB_PROPERTIES | \
        RAW_DIR | FORMATS | RAP_CONFIG | HOOK_RETRIES)
        printf -v "$key" '%s' "$value" ;;
      *) die_config "unknown setting $key" ;;
    esac
  done <"$CONFIG"
  SCALEFLARE_URL="${SCALEFLARE_URL%/}"
  # The node's own API secret by default, as bbb-conf --secret shows it.
  if [ -z "$SECRET" ] && [ -r "$BBB_PROPERTIES" ]; then
    SECRET="$(sed -n 's/^securitySalt=//p' "$BBB_PROPERTIES" | tail -n 1 | tr -d '\r')"
  fi
  case "$SCALEFLARE_URL" in http://* | https://*) ;; *) die_config "SCALEFLARE_URL must be an http(s) URL" ;; esac
  [ -n "$SERVER_ID" ] || die_config "SERVER_ID is missing (the id the balancer's admin API gave this server)"
  [ -n "$SECRET" ] || die_config "SECRET is missing and no securitySalt in $BBB_PROPERTIES"
  case "$PART_SIZE$BATCH_FILES$BATCH_BYTES$PARALLEL$RETRIES$RETRY_DELAY$RETRY_MAX_DELAY$CURL_TIMEOUT$HOOK_RETRIES" in *[!0-9]*) die_config "numbers expected" ;; esac
  [ "$PART_SIZE" -ge 5242880 ] || die_config "PART_SIZE must be at least 5242880 (R2's smallest part)"
  [ "$BATCH_FILES" -le 500 ] || die_config "BATCH_FILES must be at most 500 (the balancer's limit)"
  [ "$PARALLEL" -ge 1 ] || die_config "PARALLEL must be at least 1"
  mkdir -p "$WORK_DIR" || die_config "cannot create $WORK_DIR"
}

sha256_of() { openssl dgst -sha256 -r <"$1" | cut -c1-64; }
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Percent-encodes a relative path segment by segment (slashes stay).
urlencode() {
  local s="$1" out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in [A-Za-z0-9._~/-]) out+="$c" ;; *) out+="$(printf '%%%02X' "'$c")" ;; esac
  done
  printf '%s' "$out"
}

# One signed request. Sets HTTP_CODE and leaves the answer in $RESPONSE.
# Arguments: method, target (path and query after the ingest prefix), body file or '', and the
# digest to sign when it is known already (a file's from the manifest; a batch's list).
request() {
  local method="$1" target="/recordings/ingest/v1/$2" body="$3" sha="${4:-}" ts sig
  if [ -z "$sha" ]; then
    if [ -n "$body" ]; then sha="$(sha256_of "$body")"; else sha="$EMPTY_SHA256"; fi
  fi
  ts="$(date +%s)"
  sig="$(printf '%s\n%s\n%s\n%s\n%s' "$method" "$target" "$SERVER_ID" "$ts" "$sha" |
    openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')"
  local args=(-sS -o "$RESPONSE" -w '%{http_code}' --max-time "$CURL_TIMEOUT" -X "$method"
    -H "X-Scaleflare-Server: $SERVER_ID" -H "X-Scaleflare-Timestamp: $ts"
    -H "X-Scaleflare-Content-SHA256: $sha" -H "X-Scaleflare-Signature: $sig" -H 'Expect:')
  # --upload-file streams the body with its length, never all in memory.
  if [ -n "$body" ]; then args+=(--upload-file "$body"); fi
  HTTP_CODE="$(curl "${args[@]}" "$SCALEFLARE_URL$target")" || HTTP_CODE=000
}

error_code() { sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' "$RESPONSE" 2>/dev/null; }
json_number() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$RESPONSE"; }

# A request retried with exponential backoff while the failure may pass (network, 5xx, 429).
# Returns 0 on 2xx, 1 on a refusal (4xx; code in ERROR_CODE), 2 when retries ran out.
call() {
  local attempt=0 delay="$RETRY_DELAY"
  ERROR_CODE=''
  while :; do
    request "$@"
    case "$HTTP_CODE" in
      2??) return 0 ;;
      429 | 5?? | 000) ;;
      *) ERROR_CODE="$(error_code)"; log "$1 $2: HTTP $HTTP_CODE ${ERROR_CODE:-}: $(head -c 300 "$RESPONSE" 2>/dev/null)"; return 1 ;;
    esac
    attempt=$((attempt + 1))
    if [ "$attempt" -gt "$RETRIES" ]; then log "$1 $2: giving up after $RETRIES retries (HTTP $HTTP_CODE)"; return 2; fi
    log "$1 $2: HTTP $HTTP_CODE, retry $attempt/$RETRIES in ${delay}s"
    sleep "$((delay + RANDOM % (RETRY_DELAY + 1)))"
    delay=$((delay * 2 > RETRY_MAX_DELAY ? RETRY_MAX_DELAY : delay * 2))
  done
}

# Uploads one large file in parts, resuming what the balancer already has.
upload_multipart() {
  local id="$1" format="$2" path="$3" file="$4" size="$5" sha="$6" ref status parts part_size n done_parts offset len
  ref="$(urlencode "$id/$format/$path")"
  call POST "multipart/$ref?size=$size&sha256=$sha&partSize=$PART_SIZE" '' || return
  status="$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' "$RESPONSE")"
  [ "$status" = complete ] && return 0
  parts="$(json_number partCount)"
  part_size="$(json_number partSize)"
  done_parts=",$(sed -n 's/.*"done":\[\([0-9,]*\)\].*/\1/p' "$RESPONSE"),"
  for ((n = 1; n <= parts; n++)); do
    case "$done_parts" in *",$n,"*) continue ;; esac
    offset=$(((n - 1) * part_size))
    len=$((size - offset < part_size ? size - offset : part_size))
    dd if="$file" of="$PART_FILE" bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$len" status=none || return 2
    call PUT "part/$ref?number=$n" "$PART_FILE" || return
  done
  call POST "multipart-complete/$ref" ''
}

# Appends the manifest lines of one format's files: one find and one sha256sum for them all
# (a presentation has hundreds of files). Returns 1 for a file name the protocol cannot carry.
manifest_format() {
  local id="$1" format="$2" dir="$3" entry digest
  (cd "$dir" && find . -type f -printf '%s %P\0') | sort -z >"$LISTING"
  while IFS= read -r -d '' entry; do
    case "$entry" in *$'\n'* | *$'\r'* | *\\*) log "$id: file name not supported: $format/${entry#* }"; return 1 ;; esac
  done <"$LISTING"
  # Names without newline or backslash: sha256sum prints one plain line per file, in order.
  (cd "$dir" && while IFS= read -r -d '' entry; do printf '%s\0' "${entry#* }"; done <"$LISTING" | xargs -0 -r sha256sum --) >"$DIGESTS" ||
    { log "$id: cannot read the files of $format"; return 2; }
  while IFS= read -r -d '' entry <&3 && IFS= read -r digest <&4; do
    printf '%s %s %s/%s\n' "${digest:0:64}" "${entry%% *}" "$format" "${entry#* }"
  done 3<"$LISTING" 4<"$DIGESTS" >>"$MANIFEST"
}

# The largest file the balancer takes in a batch (MAX_BATCH_FILE_BYTES).
BATCH_FILE_MAX=4194304

# Sends the batch being built (its list in BATCH_LIST, its files in BATCH_PATHS) in the
# background, at most PARALLEL requests at once. The signed digest is the list's, which names
# each file's: the balancer stores a file only when its bytes match.
flush_batch() {
  local id="$1" body sha
  [ "${#BATCH_PATHS[@]}" -gt 0 ] || return 0
  BATCHES=$((BATCHES + 1))
  body="$TMP/batch.$BATCHES"
  printf '\n' >>"$BATCH_LIST"
  sha="$(sha256_of "$BATCH_LIST")"
  cat -- "$BATCH_LIST" "${BATCH_PATHS[@]}" >"$body" || { BATCH_RC=2; return; }
  : >"$BATCH_LIST"
  BATCH_PATHS=()
  BATCH_SIZE=0
  (
    RESPONSE="$body.response"
    call POST "files/$(urlencode "$id")" "$body" "$sha"
    rc=$?
    [ "$rc" -eq 0 ] || printf '%s\n' "$ERROR_CODE" >>"$TMP/batch.failed"
    rm -f "$body"
    exit "$rc"
  ) &
  RUNNING=$((RUNNING + 1))
  [ "$RUNNING" -lt "$PARALLEL" ] || reap_batch
}

# Waits for one batch request; remembers the worst outcome (2 over 1 over 0).
reap_batch() {
  local rc=0
  wait -n || rc=$?
  RUNNING=$((RUNNING - 1))
  [ "$rc" -gt "$BATCH_RC" ] && BATCH_RC=$rc
  return 0
}

# Uploads what the balancer lacks: small files in batches, the others alone; returns like call().
upload_files() {
  local id="$1" line sha size format path file rc=0
  BATCH_PATHS=() BATCH_SIZE=0 BATCHES=0 RUNNING=0 BATCH_RC=0
  : >"$BATCH_LIST"
  rm -f "$TMP/batch.failed"
  while IFS= read -r line && [ "$BATCH_RC" -eq 0 ]; do
    sha="${line%% *}"; path="${line#* }"
    size="${path%% *}"; path="${path#* }"
    format="${path%%/*}"; path="${path#*/}"
    file="$PUBLISHED_DIR/$format/$id/$path"
    if [ "$BATCH_FILES" -gt 1 ] && [ "$size" -le "$BATCH_FILE_MAX" ] && [ "$size" -le "$BATCH_BYTES" ]; then
      if [ "${#BATCH_PATHS[@]}" -ge "$BATCH_FILES" ] || [ $((BATCH_SIZE + size)) -gt "$BATCH_BYTES" ]; then flush_batch "$id"; fi
      printf '%s\n' "$line" >>"$BATCH_LIST"
      BATCH_PATHS+=("$file")
      BATCH_SIZE=$((BATCH_SIZE + size))
    elif [ "$size" -gt "$PART_SIZE" ]; then
      upload_multipart "$id" "$format" "$path" "$file" "$size" "$sha" || { rc=$?; break; }
    else
      call PUT "file/$(urlencode "$id/$format/$path")" "$file" "$sha" || { rc=$?; break; }
    fi
  done <"$TODO"
  [ "$rc" -ne 0 ] || [ "$BATCH_RC" -ne 0 ] || flush_batch "$id"
  while [ "$RUNNING" -gt 0 ]; do reap_batch; done
  if [ "$rc" -eq 0 ] && [ "$BATCH_RC" -ne 0 ]; then
    rc=$BATCH_RC
    ERROR_CODE="$(grep -m1 . "$TMP/batch.failed" 2>/dev/null)"
  fi
  return "$rc"
}

# Uploads one recording; returns like call().
upload_recording() {
  local id="$1" dir format formats=''
  : >"$MANIFEST"
  for dir in "$PUBLISHED_DIR"/*/"$id"; do
    [ -d "$dir" ] || continue
    format="$(basename "$(dirname "$dir")")"
    formats+="$format "
    manifest_format "$id" "$format" "$dir" || return
  done
  if [ -z "$formats" ]; then log "$id: no published format under $PUBLISHED_DIR"; return 1; fi

  call GET "status/$(urlencode "$id")" '' || return
  # The manifest lines the balancer does not list as stored: one grep, not one per file.
  grep -vxF -f "$RESPONSE" "$MANIFEST" >"$TODO"
  upload_files "$id" || return

  call POST "complete/$(urlencode "$id")" "$MANIFEST" || return
  log "$id: uploaded (${formats% })"
  UPLOADED_FORMATS="${formats% }"
}

# Every format BBB will publish is published: BBB's own test (no processed format is still
# waiting to publish), plus REQUIRED_FORMATS if set. Only then may the node's copy go (#888).
all_formats_published() {
  local id="$1" f
  compgen -G "$STATUS_DIR/processed/$id-*.done" >/dev/null && return 1
  compgen -G "$STATUS_DIR/published/$id-*.fail" >/dev/null && return 1
  for f in $REQUIRED_FORMATS; do [ -d "$PUBLISHED_DIR/$f/$id" ] || return 1; done
  return 0
}

marker() { printf '%s/%s-scaleflare.done' "$WORK_DIR" "$1"; }

# The formats BBB will process, comma-separated: FORMATS, else the process:<format> steps of
# BBB's recording configuration (the last file of RAP_CONFIG that names any: /etc overrides).
node_formats() {
  local file steps found=''
  if [ -n "$FORMATS" ]; then printf '%s' "$FORMATS" | tr -s ' ,' ','; return; fi
  for file in $RAP_CONFIG; do
    [ -r "$file" ] || continue
    steps="$(grep -o 'process:[A-Za-z0-9_-]*' "$file" | cut -d: -f2 | sort -u | paste -sd, -)"
    [ -n "$steps" ] && found="$steps"
  done
  printf '%s' "$found"
}

# post_archive and post_process: the recording is processing, or one of its formats is processed.
# Sends the <meeting> and <metadata> elements of the raw events.xml (the balancer reads the
# meetingID, name and meta_ parameters, meta_bbb-disable-recording-formats among them), the
# formats to expect and the end of the meeting (when BBB wrote events.xml). Runs inside BBB's
# recording pipeline, so it retries only HOOK_RETRIES times: a missed report only means the
# recording shows up when it is published, as without these hooks.
report_state() {
  local id="$1" state="$2" format="$3" events="$RAW_DIR/$1/events.xml" query
  case "$id$format" in '' | *[!A-Za-z0-9_-]*) log "not a record id or format: $id $format"; return 1 ;; esac
  [ -r "$events" ] || { log "$id: no $events"; return 1; }
  {
    printf '<recording>\n'
    # Both are single, self-closing lines near the top of events.xml.
    head -c 1048576 "$events" | grep -m1 -o '<meeting [^>]*>'
    head -c 1048576 "$events" | grep -m1 -o '<metadata [^>]*>'
    printf '</recording>\n'
  } >"$MANIFEST"
  query="state=$state&formats=$(node_formats)&ended=$(stat -c %Y "$events")"
  [ -n "$format" ] && query+="&format=$format"
  RETRIES="$HOOK_RETRIES" call POST "processing/$id?$query" "$MANIFEST" || return
  log "$id: reported $state${format:+ ($format)}"
}

process() {
  local id="$1" rc=0
  case "$id" in '' | *[!A-Za-z0-9_-]*) log "not a record id: $id"; return 1 ;; esac
  (
    # One upload per recording at a time (BBB's hook and a batch run may overlap).
    flock -w 3600 9 || { log "$id: another upload holds the lock"; exit 2; }
    UPLOADED_FORMATS=''
    upload_recording "$id"
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$ERROR_CODE" = recording_deleted ]; then
      log "$id: deleted on the balancer; not uploaded again"
      printf 'deleted\n' >"$(marker "$id")"
      exit 0
    fi
    [ "$rc" -eq 0 ] || exit "$rc"
    printf '%s\n' "$UPLOADED_FORMATS" >"$(marker "$id")"
    if [ "$DELETE_AFTER_UPLOAD" = true ]; then
      if all_formats_published "$id"; then
        log "$id: every format uploaded; deleting the local copy"
        bbb-record --delete "$id" >/dev/null 2>&1 || log "$id: bbb-record --delete failed"
      else
        log "$id: kept until every format is published and uploaded"
      fi
    fi
    exit 0
  ) 9>"$WORK_DIR/$id.lock"
}

# Recordings whose published formats differ from what the last upload sent. With
# DELETE_AFTER_UPLOAD, uploaded ones still on disk too: once all their formats are published,
# the visit (nothing left to send, one `complete`) deletes them.
pending_recordings() {
  local dir id formats done_formats
  for dir in "$PUBLISHED_DIR"/*/*; do
    [ -d "$dir" ] && basename "$dir"
  done | sort -u | while IFS= read -r id; do
    formats="$(for d in "$PUBLISHED_DIR"/*/"$id"; do [ -d "$d" ] && basename "$(dirname "$d")"; done | tr '\n' ' ')"
    done_formats="$(cat "$(marker "$id")" 2>/dev/null)"
    [ "$done_formats" = deleted ] && continue
    [ "$done_formats" = "${formats% }" ] && [ "$DELETE_AFTER_UPLOAD" != true ] && continue
    printf '%s\n' "$id"
  done
}

main() {
  local mode='' hook=post_publish id='' format='' rc=0 worst=0
  while [ $# -gt 0 ]; do
    case "$1" in
      -m) id="${2:-}"; mode=one; shift 2 ;;
      --batch) mode=batch; shift ;;
      --hook) hook="${2:-}"; shift 2 ;;
      -c) CONFIG="${2:-}"; shift 2 ;;
      -f) format="${2:-}"; shift 2 ;; # post_process's format; on publish every format is sent anyway
      *) log "unknown argument $1"; exit 3 ;;
    esac
  done
  case "$hook" in
    post_archive) if [ "$mode" = one ]; then mode=processing; else mode=''; fi ;;
    post_process) if [ "$mode" = one ] && [ -n "$format" ]; then mode=processed; else mode=''; fi ;;
    post_publish) ;;
    *) mode='' ;;
  esac
  load_config
  TMP="$(mktemp -d "$WORK_DIR/tmp.XXXXXX")" || exit 2
  trap 'rm -rf "$TMP"' EXIT
  RESPONSE="$TMP/response" MANIFEST="$TMP/manifest" TODO="$TMP/todo" PART_FILE="$TMP/part"
  LISTING="$TMP/listing" DIGESTS="$TMP/digests" BATCH_LIST="$TMP/batch-list"
  case "$mode" in
    one) process "$id" ;;
    processing) report_state "$id" processing '' ;;
    processed) report_state "$id" processed "$format" ;;
    batch)
      while IFS= read -r id; do
        process "$id"
        rc=$?
        [ "$rc" -gt "$worst" ] && worst=$rc
      done < <(pending_recordings)
      exit "$worst" ;;
    *) log "usage: $0 -m <recordID> | --batch | --hook post_archive -m <recordID> | --hook post_process -m <recordID> -f <format> [-c config]"; exit 3 ;;
  esac
}

main "$@"
